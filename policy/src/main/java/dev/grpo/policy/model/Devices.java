package dev.grpo.policy.model;

import ai.djl.Device;
import java.util.regex.Pattern;

/** Turns a configured device name ({@code cpu}, {@code gpu}, {@code gpu:1}) into a DJL device. */
public final class Devices {

  private static final Pattern GPU_WITH_ID = Pattern.compile("gpu:(\\d+)");

  private Devices() {}

  /**
   * Parses a device name.
   *
   * @throws IllegalArgumentException naming the value and the accepted forms
   */
  public static Device parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
    if (n.equals("cpu")) {
      return Device.cpu();
    }
    if (n.equals("gpu") || n.equals("cuda")) {
      return Device.gpu();
    }
    var m = GPU_WITH_ID.matcher(n.replace("cuda:", "gpu:"));
    if (m.matches()) {
      return Device.gpu(Integer.parseInt(m.group(1)));
    }
    throw new IllegalArgumentException("device must be cpu, gpu or gpu:<index>, was " + name);
  }
}
