package io.sanref.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sanref} command.
 * <p>
 * Exit codes: 0 success, 1 a run's expectations (or an audit) failed, 2 bad input or something that cannot run
 * here, 3 the chosen HAL does not support the scenario.
 */
@Command(
    name = "sanref",
    mixinStandardHelpOptions = true,
    version = "sanref 0.1.0",
    description = "A reference platform for SAN socket providers: run the close protocol on a HAL and check it.",
    subcommands = {HalsCommand.class, RunCommand.class, ServeCommand.class, AuditCommand.class, JournalCommand.class,
        CommandLine.HelpCommand.class})
public final class Sanref implements Runnable
{
    public static final int EXIT_PASS = 0;
    public static final int EXIT_FAIL = 1;
    public static final int EXIT_INPUT = 2;
    public static final int EXIT_NOT_SUPPORTED = 3;

    static
    {
        // Chronicle must never phone home, even when started without the flag.
        System.setProperty("chronicle.analytics.disable", "true");
    }

    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    /** Run the command line in this JVM; for tests. */
    public static int execute(final String... args)
    {
        final CommandLine cli = new CommandLine(new Sanref());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) ->
        {
            cmd.getErr().println("sanref: " + ex.getMessage());
            return ex instanceof IllegalArgumentException || ex instanceof IllegalStateException ?
                EXIT_INPUT : EXIT_FAIL;
        });
        cli.setParameterExceptionHandler((ex, parsedArgs) ->
        {
            ex.getCommandLine().getErr().println("sanref: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return EXIT_INPUT;
        });
        return cli.execute(args);
    }

    public void run()
    {
        new CommandLine(this).usage(System.out);
    }
}
