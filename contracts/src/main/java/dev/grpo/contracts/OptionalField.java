package dev.grpo.contracts;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component of an event that may be absent (or null) in JSON; the record then
 * substitutes the documented default (an empty collection, or null where stated). Every component
 * without this mark is required, and decoding fails with the field's name when it is missing.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({
  ElementType.RECORD_COMPONENT,
  ElementType.PARAMETER,
  ElementType.FIELD,
  ElementType.METHOD
})
public @interface OptionalField {}
