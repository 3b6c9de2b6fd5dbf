package dev.hmd.slo;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators of valid plans, shared by the plan and release-machine properties. */
final class PlanArbitraries {

  private PlanArbitraries() {
  }

  /** 1..6 strictly ascending stages ending at 100, as a valid plan requires. */
  static Arbitrary<List<Stage>> stages() {
    Arbitrary<List<Integer>> percents = Arbitraries.integers().between(1, 99).set().ofMaxSize(5)
      .map(set -> {
        List<Integer> list = new ArrayList<>(new TreeSet<>(set));
        list.add(100);
        return list;
      });
    return percents.flatMap(list -> Combinators.combine(
        Arbitraries.integers().between(1, 600).list().ofSize(list.size()),
        Arbitraries.of(true, false).list().ofSize(list.size()),
        Arbitraries.strings().alpha().ofMaxLength(20).injectNull(0.5).list().ofSize(list.size()),
        Arbitraries.integers().between(0, 600).injectNull(0.5).list().ofSize(list.size()))
      .as((soaks, autos, descriptions, extraSoaks) -> {
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          Integer maxSoak = extraSoaks.get(i) == null ? null : soaks.get(i) + extraSoaks.get(i);
          stages.add(new Stage(list.get(i), soaks.get(i), autos.get(i), descriptions.get(i), maxSoak));
        }
        return stages;
      }));
  }

  static Arbitrary<Slo> slo() {
    return Combinators.combine(Arbitraries.of(Sli.class), Arbitraries.of(SloMode.class),
        Arbitraries.doubles().between(0.001, 1.0).ofScale(4), Arbitraries.doubles().between(0.0, 5000.0).ofScale(3))
      .as((sli, mode, fraction, millis) -> {
        if (mode == SloMode.RELATIVE) {
          return new Slo(sli, 0.5 + fraction * 2, mode);
        }
        return new Slo(sli, sli.kind() == Sli.Kind.RATE ? fraction : millis, mode);
      });
  }

  static Arbitrary<Plan> plans() {
    return Combinators.combine(
        stages(),
        slo().list().ofMaxSize(5),
        Arbitraries.integers().between(1, 3600),
        Arbitraries.integers().between(1, 10_000),
        Arbitraries.integers().between(1, 4),
        Arbitraries.of(InsufficientDataPolicy.class),
        Arbitraries.integers().between(1, 86_400).injectNull(0.4))
      .as(Plan::new);
  }
}
