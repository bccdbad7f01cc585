package dev.grpo.rollout.policy;

import java.net.URI;
import java.nio.file.Path;

/**
 * Turns a checkpoint URI (as announced in a PolicyVersion or named by a task) into a local
 * directory in Hugging Face layout. The {@code file:} store reads in place; a store for an
 * S3-compatible object store would download into a cache directory and return that.
 */
public interface CheckpointStore {

  /**
   * Whether this store handles URIs of the given scheme (lower case, e.g. {@code file}, {@code
   * s3}).
   */
  boolean supports(String scheme);

  /**
   * A local directory holding the checkpoint.
   *
   * @throws CheckpointUnavailableException naming the URI and why it cannot be read
   */
  Path resolve(URI checkpointUri);

  /** Parses a URI string, with an error that names the value. */
  static URI parse(String checkpointUri) {
    try {
      URI uri = new URI(checkpointUri);
      if (uri.getScheme() == null) {
        throw new CheckpointUnavailableException(
            "checkpointUri must be an absolute URI with a scheme (e.g. file:///...), was '"
                + checkpointUri
                + "'");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new CheckpointUnavailableException(
          "checkpointUri is not a valid URI: '" + checkpointUri + "': " + e.getMessage());
    }
  }
}
