package dev.hmd.slo;

import java.util.List;

/** What {@link PlanValidator} found: a plan, or every problem with the body. */
public sealed interface PlanValidation {

  boolean isValid();

  /** Empty for a valid plan; otherwise one entry per problem. */
  List<FieldError> errors();

  record Valid(Plan plan) implements PlanValidation {
    @Override
    public boolean isValid() {
      return true;
    }

    @Override
    public List<FieldError> errors() {
      return List.of();
    }
  }

  record Invalid(List<FieldError> errors) implements PlanValidation {
    public Invalid {
      errors = List.copyOf(errors);
      if (errors.isEmpty()) {
        throw new IllegalArgumentException("an invalid plan has at least one error");
      }
    }

    @Override
    public boolean isValid() {
      return false;
    }
  }
}
