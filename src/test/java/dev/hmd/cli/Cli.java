package dev.hmd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code hmd release ...} in-process with the given environment, capturing what it prints. */
record Cli(Map<String, String> env) {

  record Run(int code, String out, String err) {
    /** Both streams, for assertions that something appears nowhere. */
    String all() {
      return out + err;
    }
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ReleaseCommand(env));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
