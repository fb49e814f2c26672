using System.Globalization;
using ActorDispatch.PeerBench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(PeerOptions.Usage);
    return 0;
}

PeerOptions options;
try
{
    // Parsing fails before anything runs; errors during a run are the runner's to report.
    options = PeerOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{PeerOptions.Usage}");
    return 2;
}
return await new PeerRunner(options).RunAsync();
