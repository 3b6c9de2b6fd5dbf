package dev.hmd.testing;

import dev.hmd.app.Service;
import io.vertx.core.Vertx;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** Starts what {@link WithService} asks for, once per test class, and hands it out. */
public final class ServiceExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ServiceExtension.class);

  /**
   * The class's simulator, service (null when the class starts its own) and a Vert.x for clients
   * (the admin's, when there is a service); closed by JUnit after the class, service first.
   */
  record Started(TestSimulator sim, Service service, Api api, Vertx vertx)
    implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      try {
        if (service != null) {
          service.close();
        } else {
          vertx.close().await();
        }
      } finally {
        sim.close();
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IllegalAccessException {
    Class<?> testClass = context.getRequiredTestClass();
    WithService settings = AnnotationSupport.findAnnotation(testClass, WithService.class)
      .orElseThrow(() -> new IllegalStateException(testClass + " is not annotated @WithService"));
    TestSimulator sim = TestSimulator.start();
    Started started;
    if (!settings.service()) {
      started = new Started(sim, null, null, Vertx.vertx());
    } else {
      try {
        Service service = TestService.onSimulator(sim, env(settings));
        started = new Started(sim, service, Api.of(service), service.vertx());
      } catch (RuntimeException e) {
        sim.close();
        throw e;
      }
    }
    context.getStore(NAMESPACE).put(Started.class, started);
    inject(testClass, started);
  }

  private static Map<String, String> env(WithService settings) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String pair : settings.env()) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("@WithService env entries are NAME=value, got '" + pair + "'");
      }
      env.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return env;
  }

  /** Fills the class's static fields of the three types. */
  private static void inject(Class<?> testClass, Started started) throws IllegalAccessException {
    for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers()) || Modifier.isFinal(field.getModifiers())) {
          continue;
        }
        Object value = valueFor(field.getType(), started);
        if (value != null) {
          field.setAccessible(true);
          field.set(null, value);
        }
      }
    }
  }

  private static Object valueFor(Class<?> type, Started started) {
    if (type == TestSimulator.class) {
      return started.sim();
    }
    if (type == Service.class) {
      return started.service();
    }
    if (type == Api.class) {
      return started.api();
    }
    if (type == Vertx.class) {
      return started.vertx();
    }
    return null;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestSimulator.class || type == Service.class || type == Api.class || type == Vertx.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Started started = context.getStore(NAMESPACE).get(Started.class, Started.class);
    if (started == null) {
      throw new ParameterResolutionException("nothing started for " + context.getRequiredTestClass());
    }
    return valueFor(parameter.getParameter().getType(), started);
  }
}
