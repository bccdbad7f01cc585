package dev.grpo.contracts;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks public API that no stage of the platform uses yet: its shape may still change, without the
 * contract's versioning rules, until the feature that needs it is built and has tested it. Today
 * that is the {@code RewardPart} fan-in from custom reward services (see {@code
 * docs/architecture.md}, "Not built yet"). Depend on it only if you accept that.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({
  ElementType.TYPE,
  ElementType.FIELD,
  ElementType.METHOD,
  ElementType.CONSTRUCTOR,
  ElementType.PACKAGE
})
public @interface Incubating {}
