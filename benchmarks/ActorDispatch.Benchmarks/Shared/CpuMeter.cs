using System.Globalization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// How busy the rest of the machine was during a measurement, from <c>/proc</c>: the machine's busy
/// time minus this process's (and that of the processes measured with it: the server nodes, or
/// PeerBench's broker), in percent of all cores. On a shared two-core machine this says which
/// figures were disturbed. PeerBench compiles this file in by link.
/// </summary>
internal static class CpuMeter
{
    /// <summary>Other processes below this share of all cores count as a quiet machine.</summary>
    public const double QuietPercent = 10;

    /// <summary>The kernel's clock ticks (USER_HZ) per second, the unit of every field of a snapshot.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>Ticks of all cores, of them busy, of this process, and of the <c>processes</c> given to <see cref="Take"/>.</summary>
    public readonly record struct Snapshot(long Total, long Busy, long Self, long Processes = 0);

    /// <param name="processes">Processes of this run (the server nodes, the broker) whose CPU is ours, not other processes'.</param>
    public static Snapshot Take(IReadOnlyList<int>? processes = null)
    {
        try
        {
            // cpu user nice system idle iowait irq softirq steal: idle and iowait are not busy.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0, busy = 0;
            for (var i = 1; i < Math.Min(fields.Length, 9); i++)
            {
                var ticks = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += ticks;
                if (i is not (4 or 5)) busy += ticks;
            }
            long children = 0;
            foreach (var pid in processes ?? []) children += ProcessTicks($"/proc/{pid}/stat");
            return new Snapshot(total, busy, ProcessTicks("/proc/self/stat"), children);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    // Fields after the ")" that closes the command name, from state (3): utime is 14, stime 15.
    private static long ProcessTicks(string path)
    {
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Other processes' share of all cores between two snapshots, or null where /proc is missing.</summary>
    public static double? ForeignPercent(Snapshot before, Snapshot after)
    {
        var total = after.Total - before.Total;
        if (total <= 0) return null;
        var foreign = Math.Max(0, after.Busy - before.Busy - (after.Self - before.Self) - (after.Processes - before.Processes));
        return 100.0 * foreign / total;
    }

    /// <summary>
    /// Waits, at most <paramref name="maxWait"/>, until other processes have used less than
    /// <see cref="QuietPercent"/> of all cores over one second, so that a measurement does not start
    /// in the middle of someone else's burst. Returns without waiting where /proc is missing.
    /// </summary>
    public static async Task WaitForQuietAsync(TimeSpan maxWait, IReadOnlyList<int>? processes = null)
    {
        var deadline = DateTime.UtcNow + maxWait;
        var waited = false;
        while (DateTime.UtcNow < deadline)
        {
            var before = Take(processes);
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (ForeignPercent(before, Take(processes)) is not { } foreign || foreign < QuietPercent)
            {
                if (waited) Progress.Log("the machine is quiet; measuring");
                return;
            }
            if (!waited) Progress.Log($"other processes use {foreign:F0}% of all cores; waiting up to {maxWait.TotalSeconds:F0} s for < {QuietPercent:F0}%");
            waited = true;
        }
        // Not when maxWait was 0: then the machine was not looked at.
        if (waited) Progress.Log("the machine is still busy; measuring anyway");
    }
}
