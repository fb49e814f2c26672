using System.Globalization;

namespace ActorDispatch.PeerBench;

/// <summary>
/// What <c>/proc</c> says about a process (Linux): its resident set and the CPU it has used, and the
/// machine's busy time, from which other processes' share of a measurement follows.
/// </summary>
internal static class ProcStat
{
    /// <summary>The kernel's clock ticks (USER_HZ) per second, the unit of <c>/proc/*/stat</c>.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>VmRSS from <c>/proc/&lt;pid&gt;/status</c> in MiB, or null where it cannot be read.</summary>
    public static double? RssMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>utime + stime of a process in ticks, or 0 where it cannot be read.</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            // Fields after the ")" that closes the command name, from state (3): utime is 14, stime 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Ticks of all cores since boot, and of them busy (neither idle nor iowait); zeros where /proc is missing.</summary>
    public static (long Total, long Busy) Machine()
    {
        try
        {
            // cpu user nice system idle iowait irq softirq steal
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0, busy = 0;
            for (var i = 1; i < Math.Min(fields.Length, 9); i++)
            {
                var ticks = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += ticks;
                if (i is not (4 or 5)) busy += ticks;
            }
            return (total, busy);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
