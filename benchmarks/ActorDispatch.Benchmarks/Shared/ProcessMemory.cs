using System.Globalization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// This process's resident set size. The engine runs in process, so it includes the load generator
/// too, unlike the broker-side RSS PeerBench reports.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS from <c>/proc/self/status</c> in MiB, or null where there is no procfs.</summary>
    public static double? RssMiB() => RssMiB("self");

    /// <summary>Another process's VmRSS (<c>/proc/&lt;pid&gt;/status</c>) in MiB, or null.</summary>
    public static double? RssMiB(int processId) => RssMiB(processId.ToString(CultureInfo.InvariantCulture));

    private static double? RssMiB(string process)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
