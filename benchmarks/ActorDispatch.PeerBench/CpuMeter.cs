namespace ActorDispatch.PeerBench;

/// <summary>
/// Splits the machine's busy time during a measurement into the broker's (<c>--server-pid</c>), this
/// harness's, and everybody else's: the broker's CPU-seconds are a result, the others' share says
/// whether the figure was disturbed on a shared machine.
/// </summary>
internal sealed class CpuMeter(int serverPid)
{
    /// <summary>Other processes below this share of all cores count as a quiet machine.</summary>
    public const double QuietPercent = 10;

    public readonly record struct Snapshot(long Total, long Busy, long Self, long Server);

    /// <summary>The broker's CPU-seconds and other processes' share of all cores between two snapshots.</summary>
    public readonly record struct Usage(double ServerCpuSeconds, double ForeignPercent);

    public Snapshot Take()
    {
        var (total, busy) = ProcStat.Machine();
        return new Snapshot(total, busy, ProcStat.CpuTicks(Environment.ProcessId), serverPid > 0 ? ProcStat.CpuTicks(serverPid) : 0);
    }

    /// <summary>Null where /proc is missing.</summary>
    public static Usage? Between(Snapshot before, Snapshot after)
    {
        var total = after.Total - before.Total;
        if (total <= 0) return null;
        var server = after.Server - before.Server;
        var foreign = Math.Max(0, after.Busy - before.Busy - (after.Self - before.Self) - server);
        return new Usage(server / ProcStat.TicksPerSecond, 100.0 * foreign / total);
    }

    /// <summary>
    /// Waits, at most <paramref name="maxWait"/>, until other processes have used less than
    /// <see cref="QuietPercent"/> of all cores over one second, so that a measurement does not start
    /// in the middle of someone else's burst.
    /// </summary>
    public async Task WaitForQuietAsync(TimeSpan maxWait)
    {
        var deadline = DateTime.UtcNow + maxWait;
        var waited = false;
        while (DateTime.UtcNow < deadline)
        {
            var before = Take();
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (Between(before, Take()) is not { } use || use.ForeignPercent < QuietPercent)
            {
                if (waited) Progress.Log("the machine is quiet; measuring");
                return;
            }
            if (!waited) Progress.Log($"other processes use {use.ForeignPercent:F0}% of all cores; waiting up to {maxWait.TotalSeconds:F0} s for < {QuietPercent:F0}%");
            waited = true;
        }
        if (waited) Progress.Log("the machine is still busy; measuring anyway");
    }
}
