using System.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>
/// A durable subscription fed a steady stream for longer than many snapshot cycles, as a user's
/// long-running client is: every event arrives once, in order, with no pause, and status calls
/// made meanwhile are answered.
/// </summary>
[Trait("Category", "Slow")]
[Collection(SteadyStreamCollection.Name)]
public sealed class SteadyStreamSpec(SnapshottingWebSocketServer server) : WebSocketSpec(server), IClassFixture<SnapshottingWebSocketServer>
{
    // About 16 s at one append every 2 ms: some 30 snapshot cycles of the subscription.
    private const int Events = 8000;
    private static readonly TimeSpan AppendEvery = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestGap = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_steady_stream_through_many_snapshot_cycles_never_pauses_and_redelivers_nothing()
    {
        await CreateAsync("steady", firstEvent: "newest");
        await using var client = await AttachAsync("steady");

        // When each append completed (appended[n - 1] for sequence n), on the clock the deliveries are read on.
        var clock = Stopwatch.StartNew();
        var appended = new long[Events];
        var appender = Task.Run(async () =>
        {
            // Paced, not flooded: one append every 2 ms, a steady stream of a few hundred events a second.
            for (var n = 1; n <= Events; n++)
            {
                await Dispatch.AppendAsync(Ns, new NewEvent { Type = "tick", Topic = "steady" });
                Volatile.Write(ref appended[n - 1], clock.ElapsedTicks);
                var due = AppendEvery * n - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }
        });

        // How long an appended event waited for its delivery: a pause of dispatch shows here, while a
        // pause of the appender (a busy test machine) does not.
        var longest = TimeSpan.Zero;
        for (long sequence = 1; sequence <= Events; sequence++)
        {
            var delivery = await client.ReceiveEventAsync(sequence, TimeSpan.FromSeconds(10));
            var waited = TimeSpan.FromTicks((long)((clock.ElapsedTicks - Volatile.Read(ref appended[sequence - 1])) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            if (Volatile.Read(ref appended[sequence - 1]) != 0 && waited > longest) longest = waited;
            await client.AckAsync(delivery);
            if (sequence % 500 == 0) Assert.Equal(0, (await Dispatch.GetSubscriptionStatusAsync(Ns, "steady")).Redelivered);
        }
        await appender;

        Assert.True(longest < LongestGap, $"an event waited {longest.TotalMilliseconds:0} ms for its delivery");
        await AwaitOffsetAsync("steady", Events);
        Assert.Equal(0, (await Dispatch.GetSubscriptionStatusAsync(Ns, "steady")).Redelivered);
        await client.ExpectNoFrameAsync(Quiet);
    }
}

/// <summary>
/// The spec times every delivery against a one-second bound: it runs alone, after the other
/// specs, whose servers beside it on two cores would otherwise show up as dispatch pauses.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SteadyStreamCollection
{
    public const string Name = "steady stream";
}
