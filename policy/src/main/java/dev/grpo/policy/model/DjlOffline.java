package dev.grpo.policy.model;

/**
 * The one switch that keeps DJL off the network: with {@value #PROPERTY} = {@code true} it never
 * downloads engines, natives or models (the PyTorch natives come from the classpath jar). DJL reads
 * the property when its engine first loads, so every entry point that may load it (a {@code main},
 * a service's startup) calls {@link #enable()} before anything else touches DJL. A child JVM gets
 * the same effect from {@code -D}{@value #PROPERTY}{@code =true} or {@code DJL_OFFLINE=true}.
 */
public final class DjlOffline {
  /** The system property DJL reads. */
  public static final String PROPERTY = "ai.djl.offline";

  private DjlOffline() {}

  /** Sets {@value #PROPERTY} to {@code true} for this JVM; calling it again changes nothing. */
  public static void enable() {
    System.setProperty(PROPERTY, "true");
  }
}
