using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

/// <summary>
/// Runs the e2e runner's modes (A backlog, B live, C fan-out) on one broker, each repetition on a
/// freshly created destination, after unrecorded warm-up passes; records the broker's VmRSS after and
/// CPU-seconds during each repetition; prints the e2e runner's min / median / max table and,
/// optionally, its JSON medians.
/// </summary>
internal sealed class PeerRunner
{
    private readonly PeerOptions o;
    private readonly BenchPayload _payload;
    /// <summary>The broker's process (<c>--server-pid</c>), whose CPU is measured and not counted as other processes'; null for none.</summary>
    private readonly int[]? _server;
    private readonly IPeerBroker _broker;
    private readonly Results _results;

    public PeerRunner(PeerOptions options)
    {
        o = options;
        _payload = new BenchPayload(o.PayloadSize);
        _server = o.ServerPid > 0 ? [o.ServerPid] : null;
        _broker = o.Broker switch
        {
            BrokerKind.Nats => new NatsBroker(o.Port),
            BrokerKind.Redis => new RedisBroker(o.Port),
            _ => new RabbitMqBroker(o.Port, o.RabbitMqQueue),
        };
        _results = new Results(_broker.Name);
    }

    private Metric[] Metrics =>
    [
        new("A.publish", "A backlog: publish", "msg/s", "N0"),
        new("A.consume", "A backlog: consume+ack", "msg/s", "N0"),
        new("A.rss", "A broker VmRSS after", "MiB", "F0"),
        new("A.srvcpu", "A broker CPU used", "CPU-s", "F2"),
        new("A.cpu", "A broker's CPU per event consumed (its publish included)", "µs", "F1"),
        new("A.foreign", "A other processes' CPU", "% all cores", "F0"),
        new("B.e2e", "B live: end-to-end", "msg/s", "N0"),
        new("B.publish", "B live: publish side", "msg/s", "N0"),
        new("B.p50", "B live: latency p50", "ms", "F2"),
        new("B.p99", "B live: latency p99", "ms", "F2"),
        new("B.max", "B live: latency max", "ms", "F2"),
        new("B.rss", "B broker VmRSS after", "MiB", "F0"),
        new("B.srvcpu", "B broker CPU used", "CPU-s", "F2"),
        new("B.cpu", "B broker's CPU per event (publish + delivery)", "µs", "F1"),
        new("B.foreign", "B other processes' CPU", "% all cores", "F0"),
        new("C.publish", "C fan-out: publish", "msg/s", "N0"),
        new("C.deliver", "C fan-out: deliveries", "msg/s", "N0"),
        new("C.rss", "C broker VmRSS after", "MiB", "F0"),
        new("C.srvcpu", "C broker CPU used", "CPU-s", "F2"),
        new("C.cpu", $"C broker's CPU per delivery (1/{o.FanoutConsumers} publish included)", "µs", "F1"),
        new("C.foreign", "C other processes' CPU", "% all cores", "F0"),
    ];

    public async Task<int> RunAsync()
    {
        await using var broker = _broker;
        await ConnectAsync();
        string durability;
        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
            durability = await broker.DescribeDurabilityAsync(timeout.Token);
        var workload = $"N={o.N} payload={o.PayloadSize}B window={o.Window} pub-window={o.PubWindow} " +
                       $"live-rate={(o.LiveRate > 0 ? $"{o.LiveRate} msg/s" : "max")} fanout={o.FanoutConsumers}x{o.FanoutN} reps={o.Reps}";
        _results.Note($"workload: {workload}");
        _results.Note("publish: one event per call, at most pub-window unconfirmed (as the e2e runner appends); consume: explicit ack of every event");
        _results.Note($"durability: {durability}");
        if (o.ServerPid == 0) _results.Note("no --server-pid: the broker's VmRSS and CPU are not recorded");
        Progress.Log($"{broker.Name}: {workload}");
        Progress.Log($"{broker.Name}: durability: {durability}");

        if (o.Warmup > 0) await WarmUpAsync();

        var failures = 0;
        foreach (var mode in o.Modes)
        {
            for (var rep = 1; rep <= o.Reps; rep++)
            {
                var label = $"{mode} rep {rep}/{o.Reps}";
                await CpuMeter.WaitForQuietAsync(TimeSpan.FromSeconds(o.QuietWaitS), _server);
                var before = CpuMeter.Take(_server);
                try
                {
                    var events = await RunModeAsync(mode, rep, label);
                    // After the mode, before its destination (and what it stored) is deleted.
                    if (o.ServerPid > 0 && ProcessMemory.RssMiB(o.ServerPid) is { } rss) Add($"{mode}.rss", rep, rss);
                    var after = CpuMeter.Take(_server);
                    if (CpuMeter.ForeignPercent(before, after) is { } foreign)
                    {
                        var serverCpuSeconds = (after.Processes - before.Processes) / CpuMeter.TicksPerSecond;
                        if (o.ServerPid > 0)
                        {
                            Add($"{mode}.srvcpu", rep, serverCpuSeconds);
                            Add($"{mode}.cpu", rep, serverCpuSeconds * 1e6 / events);
                        }
                        Add($"{mode}.foreign", rep, foreign);
                        Progress.Log($"{label}: broker CPU {serverCpuSeconds:F2} s, other processes {foreign:F0}% of all cores");
                    }
                }
                catch (Exception e)
                {
                    failures++;
                    var reason = e is OperationCanceledException ? $"timed out (a phase exceeded --timeout-s {o.TimeoutS})" : $"{e.GetType().Name}: {e.Message}";
                    _results.Note($"FAILED: mode {mode} rep {rep}: {reason}");
                    Progress.Log($"{label} FAILED: {e}");
                }
                finally
                {
                    await DeleteAsync();
                }
            }
        }

        Console.WriteLine();
        Console.Write(_results.Render(Metrics));
        if (o.Json) Console.WriteLine(Medians(durability).ToJsonString());
        return failures == 0 ? 0 : 1;
    }

    // peers.sh starts the harness once the port is open; a broker may still be finishing its boot.
    private async Task ConnectAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _broker.ConnectAsync(timeout.Token);
                return;
            }
            catch (Exception e) when (attempt < 30)
            {
                Progress.Log($"{_broker.Name}: connect attempt {attempt} failed ({e.GetType().Name}: {e.Message}); retrying in 1 s");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    // The first repetition would otherwise pay for the client's JIT compilation. As the e2e runner:
    // unrecorded backlog + live passes, repeated until --warmup-s has passed (at most 60 passes).
    private async Task WarmUpAsync()
    {
        var warm = o with { N = o.Warmup, LiveRate = 0 };
        var start = Stopwatch.GetTimestamp();
        for (var pass = 1; pass <= 60; pass++)
        {
            try
            {
                var backlog = await BacklogMode.RunAsync(_broker, warm, _payload);
                await DeleteAsync();
                var live = await LiveMode.RunAsync(_broker, warm, _payload);
                Progress.Log($"warm-up pass {pass} ({o.Warmup} events, not recorded): publish {backlog.Publish.Rate(o.Warmup):N0} msg/s, " +
                             $"consume+ack {backlog.Consume.Span.Rate(o.Warmup):N0} msg/s, live {live.EndToEnd.Rate(o.Warmup):N0} msg/s");
            }
            finally
            {
                await DeleteAsync();
            }
            if (Stopwatch.GetElapsedTime(start) >= TimeSpan.FromSeconds(o.WarmupS)) break;
        }
    }

    /// <summary>Runs one repetition of a mode and records it; returns the events (deliveries in C) its broker CPU is divided by.</summary>
    private async Task<long> RunModeAsync(string mode, int rep, string label)
    {
        switch (mode)
        {
            case "A":
            {
                var r = await BacklogMode.RunAsync(_broker, o, _payload);
                Add("A.publish", rep, r.Publish.Rate(o.N));
                Add("A.consume", rep, r.Consume.Span.Rate(o.N));
                Check(label, r.Consume.Sequences);
                Progress.Log($"{label}: publish {r.Publish.Rate(o.N):N0} msg/s, consume+ack {r.Consume.Span.Rate(o.N):N0} msg/s");
                return o.N;
            }
            case "B":
            {
                var r = await LiveMode.RunAsync(_broker, o, _payload);
                var latency = r.Consume.Latencies;
                Add("B.e2e", rep, r.EndToEnd.Rate(o.N));
                Add("B.publish", rep, r.Publish.Rate(o.N));
                Add("B.p50", rep, latency.Milliseconds(0.50));
                Add("B.p99", rep, latency.Milliseconds(0.99));
                Add("B.max", rep, latency.Milliseconds(1.0));
                Check(label, r.Consume.Sequences);
                Progress.Log($"{label}: end-to-end {r.EndToEnd.Rate(o.N):N0} msg/s (publish {r.Publish.Rate(o.N):N0} msg/s), latency p50 " +
                             $"{latency.Milliseconds(0.50):F2} ms, p99 {latency.Milliseconds(0.99):F2} ms, max {latency.Milliseconds(1.0):F2} ms");
                return o.N;
            }
            default:
            {
                var r = await FanoutMode.RunAsync(_broker, o, _payload);
                long deliveries = (long)o.FanoutConsumers * o.FanoutN;
                Add("C.publish", rep, r.Publish.Rate(o.FanoutN));
                Add("C.deliver", rep, r.Deliver.Rate(deliveries));
                for (var i = 0; i < r.Consumers.Count; i++) Check($"{label} consumer {i}", r.Consumers[i].Sequences);
                Progress.Log($"{label}: publish {r.Publish.Rate(o.FanoutN):N0} msg/s, {o.FanoutConsumers} consumers: {r.Deliver.Rate(deliveries):N0} deliveries/s");
                return deliveries;
            }
        }
    }

    private void Add(string key, int rep, double value)
    {
        _results.Add(key, value);
        if (o.Tsv is not null)
            File.AppendAllText(o.Tsv, $"{_broker.Name}\t{key}\t{rep}\t{value.ToString("R", CultureInfo.InvariantCulture)}\n");
    }

    // Every sequence arrived (the consumer returns only then); duplicates and order breaks are reported, not fatal.
    private void Check(string label, SequenceTracker sequences)
    {
        if (sequences.Duplicates == 0 && sequences.OutOfOrder == 0) return;
        var note = $"{label}: all {sequences.Unique} events arrived, with {sequences.Duplicates} duplicates and {sequences.OutOfOrder} out of order";
        _results.Note(note);
        Progress.Log(note);
    }

    private async Task DeleteAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _broker.DeleteAsync(timeout.Token);
        }
        catch (Exception e)
        {
            // The next CreateAsync deletes again; a failure there fails that repetition.
            Progress.Log($"{_broker.Name}: delete failed: {e.GetType().Name}: {e.Message}");
        }
    }

    // The e2e runner's keys, so that compare.sh reads both the same way, and the broker's own figures beside them.
    private JsonObject Medians(string durability)
    {
        var medians = new JsonObject
        {
            ["broker"] = _broker.Name,
            ["durability"] = durability,
            ["A_append"] = Round(_results.Median("A.publish"), 0),
            ["A_consume"] = Round(_results.Median("A.consume"), 0),
            ["B_e2e"] = Round(_results.Median("B.e2e"), 0),
            ["B_p50_ms"] = Round(_results.Median("B.p50"), 3),
            ["B_p99_ms"] = Round(_results.Median("B.p99"), 3),
            ["B_max_ms"] = Round(_results.Median("B.max"), 3),
            ["B_live_rate"] = o.LiveRate,
            ["C_deliveries"] = Round(_results.Median("C.deliver"), 0),
            // The largest of the per-mode medians: the broker's footprint.
            ["rss_mib"] = Round(new[] { "A.rss", "B.rss", "C.rss" }.Select(_results.Median).Max(), 0),
        };
        foreach (var mode in new[] { "A", "B", "C" })
        {
            medians[$"{mode}_rss_mib"] = Round(_results.Median($"{mode}.rss"), 0);
            medians[$"{mode}_cpu_s"] = Round(_results.Median($"{mode}.srvcpu"), 2);
            medians[$"{mode}_cpu_us"] = Round(_results.Median($"{mode}.cpu"), 1);
        }
        return medians;
    }

    private static JsonNode? Round(double? value, int digits) => value is { } v ? JsonValue.Create(Math.Round(v, digits)) : null;
}
