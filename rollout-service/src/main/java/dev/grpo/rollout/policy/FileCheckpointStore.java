package dev.grpo.rollout.policy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code file:} checkpoints on a local or shared (NFS) file system, read in place. Absolute URIs
 * ({@code file:///ckpt/run-1/v3}) are used as they are; a relative one ({@code file:run-1/v3}) is
 * resolved against the checkpoint root.
 */
public final class FileCheckpointStore implements CheckpointStore {
  private final Path root;

  /**
   * @param root directory relative {@code file:} URIs are resolved against
   */
  public FileCheckpointStore(Path root) {
    this.root = root.toAbsolutePath();
  }

  @Override
  public boolean supports(String scheme) {
    return "file".equals(scheme);
  }

  @Override
  public Path resolve(URI uri) {
    if (!supports(uri.getScheme())) {
      throw new CheckpointUnavailableException(
          "the file store cannot read '" + uri + "': scheme must be file");
    }
    Path dir;
    if (uri.isOpaque()) {
      dir = root.resolve(uri.getSchemeSpecificPart());
    } else {
      dir = Path.of(uri);
    }
    if (!Files.isDirectory(dir)) {
      throw new CheckpointUnavailableException(
          "checkpoint directory " + dir + " (from " + uri + ") does not exist");
    }
    return dir;
  }
}
