package dev.hmd.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class against one simulator and one service on it (a fresh database, the tests' tuning of
 * {@link TestService#onSimulator}), started once for the class and closed after it. They arrive
 * in the class's static fields of type {@link TestSimulator}, {@link dev.hmd.app.Service},
 * {@link Api} (the platform admin's client) and {@link io.vertx.core.Vertx} (the client's), and as
 * parameters of its methods.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(ServiceExtension.class)
public @interface WithService {

  /** Extra variables of the service, each {@code NAME=value}. */
  String[] env() default {};

  /**
   * {@code false}: the simulator only (and a Vert.x for clients, in a static {@code Vertx} field),
   * for classes that start their services themselves, in child processes.
   */
  boolean service() default true;
}
