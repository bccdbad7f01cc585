package dev.grpo.trainer.rest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Integer fields of a request take whole numbers only: {@code "steps": 1.5} or {@code 1e12} is a
 * 400 naming the field and its range, never a silent truncation to 1.
 */
@Singleton
public class StrictNumbers implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
  }
}
