package dev.hmd.slo;

import java.util.List;

/** The verdict of one check and of each SLO in it, with a short reason for people. */
public record CheckEvaluation(Verdict verdict, List<SloResult> slos, String reason) {

  public CheckEvaluation {
    slos = List.copyOf(slos);
  }

  /** A check whose telemetry could not be had: it says nothing about the version. */
  public static CheckEvaluation error(String reason) {
    return new CheckEvaluation(Verdict.ERROR, List.of(), reason);
  }
}
