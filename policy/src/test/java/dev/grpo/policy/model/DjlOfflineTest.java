package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DjlOfflineTest {
  @Test
  void setsDjlsPropertyAndCanBeCalledAgain() {
    String before = System.getProperty(DjlOffline.PROPERTY);
    try {
      System.clearProperty(DjlOffline.PROPERTY);
      DjlOffline.enable();
      DjlOffline.enable();
      assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    } finally {
      if (before == null) {
        System.clearProperty(DjlOffline.PROPERTY);
      } else {
        System.setProperty(DjlOffline.PROPERTY, before);
      }
    }
  }
}
