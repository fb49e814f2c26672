using System.Net;
using System.Net.Sockets;

namespace ActorDispatch.TestSupport;

/// <summary>
/// Loopback ports for a server that binds later (a child process, a cluster node): taken below the
/// kernel's ephemeral range. A port picked by binding to 0 lies inside that range, and between the
/// pick and the server's bind an outgoing connection (to PostgreSQL, between nodes) may be handed
/// it, which then makes every retry on that port fail too; below the range only a listener can
/// take a port, and each one given here is checked free and given once per process.
/// </summary>
public static class LoopbackPorts
{
    private const int Span = 10_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly (int Low, int High) Range = OutsideEphemeral();

    /// <summary>One free loopback port.</summary>
    public static int Free() => Free(1)[0];

    /// <summary><paramref name="count"/> distinct free loopback ports.</summary>
    public static int[] Free(int count)
    {
        var ports = new int[count];
        lock (Gate)
        {
            for (var i = 0; i < count; i++) ports[i] = Next();
        }
        return ports;
    }

    private static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Range.Low, Range.High);
            if (!Given.Contains(port) && IsFree(port) && Given.Add(port)) return port;
        }
        throw new InvalidOperationException($"no free loopback port in {Range.Low}..{Range.High - 1}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux's range is in /proc (32768-60999 by default); elsewhere assume the IANA one (49152-65535).
    private static (int Low, int High) OutsideEphemeral()
    {
        string? range = null;
        try
        {
            range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        var first = range?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var ephemeralLow = int.TryParse(first, out var low) ? low : 49152;
        return (Math.Max(1024, ephemeralLow - Span), ephemeralLow);
    }
}
