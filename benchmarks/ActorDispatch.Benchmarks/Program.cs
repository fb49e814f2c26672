using System.Globalization;
using ActorDispatch.Benchmarks.EndToEnd;
using ActorDispatch.Benchmarks.Journal;
using ActorDispatch.Benchmarks.Micro;
using BenchmarkDotNet.Running;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var command = args.FirstOrDefault();
var usage = command switch
{
    "e2e" => E2eOptions.Usage,
    "journal" => JournalOptions.Usage,
    _ => null,
};
if (usage is null)
{
    // Not typeof(Program): the referenced server has a public Program of its own.
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarkConfig).Assembly).Run(args, new MicroBenchmarkConfig());
    return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
}

var flags = args[1..];
if (flags.Any(f => f is "-h" or "--help"))
{
    Console.WriteLine(usage);
    return 0;
}

Func<Task<int>> run;
try
{
    // Parsing fails before anything runs; errors during a run are the runners' to report.
    run = command == "e2e" ? new E2eRunner(E2eOptions.Parse(flags)).RunAsync : new JournalRunner(JournalOptions.Parse(flags)).RunAsync;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{usage}");
    return 2;
}
return await run();
