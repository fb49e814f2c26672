namespace ActorDispatch.PeerBench;

/// <summary>Progress goes to stderr, so stdout holds only the results (and the JSON line).</summary>
internal static class Progress
{
    public static void Log(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");
}
