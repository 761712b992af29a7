package io.sanref.cli;

import io.sanref.journal.AuditReport;
import io.sanref.journal.Auditor;
import io.sanref.journal.JournalUnreadableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sanref audit}: check A1-A9 from journals alone, both ends of a connection together. */
@Command(
    name = "audit",
    description = "Audit one or more journals against invariants A1-A9 (several: both ends cross-checked, A9).",
    footer = {"", "Exit codes: 0 pass, 1 violations, 2 unreadable input,",
        "  4 no violation in the complete records but a journal ends in a record torn by a crash."})
final class AuditCommand implements Callable<Integer>
{
    static final int EXIT_TRUNCATED = 4;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Journal directories.")
    List<Path> journals;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    public Integer call()
    {
        final AuditReport report;
        try
        {
            report = Auditor.audit(journals);
        }
        catch (final JournalUnreadableException ex)
        {
            System.err.println("sanref audit: " + ex.getMessage());
            return Sanref.EXIT_INPUT;
        }
        System.out.println(json ? report.toJson() : report.summary());
        if (!report.passed())
        {
            return Sanref.EXIT_FAIL;
        }
        return report.truncated() ? EXIT_TRUNCATED : Sanref.EXIT_PASS;
    }
}
