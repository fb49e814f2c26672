using System.Globalization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// Resident set sizes: this process's (the engine in process, so it includes the load generator
/// too) or another's (a server process, or PeerBench's broker, which links this file in).
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
