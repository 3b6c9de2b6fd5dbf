package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives a {@link ReleaseMachine} in tests: applies inputs in order, each of which must be accepted; keeps the last
 * transition.
 */
final class MachineDriver {
  final ReleaseMachine machine;
  ReleaseState state;
  Transition last;

  MachineDriver(Plan plan) {
    machine = new ReleaseMachine(plan);
    state = machine.initialState();
  }

  MachineDriver then(ReleaseInput... inputs) {
    for (ReleaseInput input : inputs) {
      last = machine.apply(state, input);
      assertThat(last.rejection()).as("%s in %s", input, state).isNull();
      state = last.next();
    }
    return this;
  }

  /** What the machine says to {@code input}, without applying it. */
  Transition attempt(ReleaseInput input) {
    return machine.apply(state, input);
  }

  Integer wanted() {
    return machine.wantedNewPercent(state);
  }
}
