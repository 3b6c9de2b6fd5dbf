package dev.hmd.sim;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class against one simulator with a manual clock ({@link SimHarness}), started once for the
 * class, closed after it, and put in the class's static {@code SimHarness} field.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(WithSimulator.Extension.class)
@interface WithSimulator {

  /** Starts the harness before the class and closes it after. */
  final class Extension implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
      SimHarness harness = SimHarness.start();
      context.getStore(ExtensionContext.Namespace.create(Extension.class))
        .put(SimHarness.class, (ExtensionContext.Store.CloseableResource) harness::close);
      for (Field field : context.getRequiredTestClass().getDeclaredFields()) {
        if (field.getType() == SimHarness.class && Modifier.isStatic(field.getModifiers())) {
          field.setAccessible(true);
          field.set(null, harness);
        }
      }
    }
  }
}
