using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Configuration;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Runs the end-to-end modes PeerBench runs on real brokers (A backlog, B live, C fan-out), and on
/// request the memory check M, each repetition on a fresh store, after an unrecorded warm-up pass;
/// prints one min / median / max table with PeerBench's rows per transport variant, and optionally
/// the medians as JSON.
/// </summary>
internal sealed class E2eRunner(E2eOptions options)
{
    private const string Column = "actordispatch";

    private readonly E2eOptions _options = options;
    private readonly BenchPayload _payload = new(options.PayloadSize);

    // The variant being measured, and its table.
    private E2eOptions o = options;
    private Results _results = new(Column);

    private Metric[] Metrics =>
    [
        new("A.publish", "A backlog: publish", "msg/s", "N0"),
        new("A.publish_batch", $"A backlog: publish, {o.BatchSize} per append", "msg/s", "N0"),
        new("A.consume", "A backlog: consume+ack", "msg/s", "N0"),
        new("A.rss", "A process RSS after", "MiB", "F0"),
        new("A.cpu", "A servers' CPU per event consumed (both appends of it included)", "µs", "F1"),
        new("A.gen_cpu", "A load generator's CPU per event consumed", "µs", "F1"),
        new("A.srv_rss", "A server process VmRSS after", "MiB", "F0"),
        new("A.srv_cpu_s", "A server process CPU-seconds (utime + stime)", "s", "F2"),
        new("A.foreign", "A other processes' CPU", "% all cores", "F0"),
        new("B.e2e", "B live: end-to-end", "msg/s", "N0"),
        new("B.publish", "B live: publish side", "msg/s", "N0"),
        new("B.p50", "B live: latency p50", "ms", "F2"),
        new("B.p99", "B live: latency p99", "ms", "F2"),
        new("B.max", "B live: latency max", "ms", "F2"),
        new("B.rss", "B process RSS after", "MiB", "F0"),
        new("B.cpu", "B servers' CPU per event (append + delivery)", "µs", "F1"),
        new("B.gen_cpu", "B load generator's CPU per event", "µs", "F1"),
        new("B.srv_rss", "B server process VmRSS after", "MiB", "F0"),
        new("B.srv_cpu_s", "B server process CPU-seconds (utime + stime)", "s", "F2"),
        new("B.foreign", "B other processes' CPU", "% all cores", "F0"),
        new("C.publish", "C fan-out: publish", "msg/s", "N0"),
        new("C.deliver", "C fan-out: deliveries", "msg/s", "N0"),
        new("C.rss", "C process RSS after", "MiB", "F0"),
        new("C.cpu", $"C servers' CPU per delivery (1/{o.FanoutSubscriptions} append included)", "µs", "F1"),
        new("C.gen_cpu", "C load generator's CPU per delivery", "µs", "F1"),
        new("C.srv_rss", "C server process VmRSS after", "MiB", "F0"),
        new("C.srv_cpu_s", "C server process CPU-seconds (utime + stime)", "s", "F2"),
        new("C.foreign", "C other processes' CPU", "% all cores", "F0"),
        new("M.append", $"M memory: append, {MemoryMode.EventsPerCall(o)} per call", "msg/s", "N0"),
        new("M.consume", "M memory: consume+ack", "msg/s", "N0"),
        new("M.rss_before", "M RSS before consuming", "MiB", "F0"),
        new("M.rss_25", "M RSS at 25% consumed", "MiB", "F0"),
        new("M.rss_50", "M RSS at 50% consumed", "MiB", "F0"),
        new("M.rss_75", "M RSS at 75% consumed", "MiB", "F0"),
        new("M.rss_100", "M RSS at 100% consumed", "MiB", "F0"),
        new("M.rss_peak", "M peak RSS while consuming", "MiB", "F0"),
        new("M.growth", "M RSS growth: 2nd-half peak - 1st-half peak", "MiB", "F1"),
        new("M.foreign", "M other processes' CPU", "% all cores", "F0"),
        new("F.time", "failover: kill to first delivery of an event appended after it", "s", "F2"),
        new("F.appends", "failover: kill to first successful append sent after it", "s", "F2"),
    ];

    public async Task<int> RunAsync()
    {
        if (_options.Failover > 0) return await RunFailoverAsync();
        if (_options.ServerProcess) return await RunServerProcessAsync();
        if (_options.Cluster > 0) return await RunClusterAsync();
        var failures = 0;
        var medians = new List<(TransportVariant Variant, JsonObject Medians)>();
        for (var i = 0; i < _options.Variants.Count; i++)
        {
            o = _options with { Variant = _options.Variants[i] };
            // Column "actordispatch" as before for the in-process engine; the variant otherwise.
            _results = new Results(o.Variant.Kind == TransportKind.InProcess ? Column : o.Variant.Label);
            // One warm-up per run: the code paths that need JIT compilation are the same for every variant.
            failures += await RunVariantAsync(warmUp: i == 0 && o.Warmup > 0);
            medians.Add((o.Variant, Medians()));
        }
        if (_options.Json) Console.WriteLine(Json(medians, _options).ToJsonString());
        return failures == 0 ? 0 : 1;
    }

    // Per variant: one server process alone, then the cluster, each on fresh processes (so each warms
    // up its own JIT) and a fresh database; then both side by side.
    private async Task<int> RunClusterAsync()
    {
        var failures = 0;
        var json = new JsonObject { ["transport"] = _options.Transport == TransportKind.WebSocket ? "websocket" : "webhook", ["nodes"] = _options.Cluster };
        foreach (var variant in _options.Variants)
        {
            var tables = new List<(string Label, Results Results)>();
            var medians = new JsonObject();
            foreach (var count in new[] { 1, _options.Cluster })
            {
                await using var nodes = await ServerNodes.StartAsync(count, _options.Postgres!, CancellationToken.None);
                o = _options with { Variant = variant, Nodes = nodes };
                _results = new Results($"{variant.Label}, {nodes.Label}");
                failures += await RunVariantAsync(warmUp: o.Warmup > 0);
                tables.Add((nodes.Label, _results));
                medians[nodes.Cluster ? "cluster" : "single"] = Medians();
            }
            Console.WriteLine();
            Console.Write(Compare(tables[0], tables[1]));
            json[variant.Key] = medians;
        }
        if (_options.Json) Console.WriteLine(json.ToJsonString());
        return failures == 0 ? 0 : 1;
    }

    // Per variant: one server process of its own (fresh store, warmed up once), as the peer harness
    // runs a broker, and the load generator here.
    private async Task<int> RunServerProcessAsync()
    {
        var failures = 0;
        var launch = _options.Launch(_options.Postgres);
        var json = new JsonObject
        {
            ["server"] = "process",
            ["store"] = _options.Postgres is null ? "sqlite" : "postgres",
            ["gc"] = launch.GcLabel,
            ["http"] = launch.Appends == AppendPath.RestHttp2 ? "2" : "1.1",
            ["append"] = launch.AppendLabel,
            ["transport"] = _options.Transport == TransportKind.WebSocket ? "websocket" : "webhook",
        };
        foreach (var variant in _options.Variants)
        {
            await using var nodes = await ServerNodes.StartAsync(1, launch, CancellationToken.None);
            var node = nodes.Nodes[0];
            var durability = await node.DurabilityAsync(CancellationToken.None);
            json["durability"] = durability;
            Progress.Log($"server process: durability {durability}, GC {launch.GcLabel}, appends {launch.Appends switch
            {
                AppendPath.Stream => "over an append stream",
                AppendPath.RestHttp2 => "over HTTP/2",
                _ => "over HTTP/1.1",
            }}");
            o = _options with { Variant = variant, Nodes = nodes };
            _results = new Results($"{variant.Label}, server process");
            _results.Note($"server process: durability {durability} (from its /api/v1/status), GC {launch.GcLabel}" +
                          (launch.Variables() is { Count: > 0 } env ? $" ({string.Join(" ", env.Select(e => $"{e.Key}={e.Value}"))})" : "") +
                          (_options.ServerConfig.Count > 0 ? $", server config {string.Join(" ", _options.ServerConfig)}" : ""));
            failures += await RunVariantAsync(warmUp: o.Warmup > 0);
            json[variant.Key] = Medians();
        }
        if (_options.Json) Console.WriteLine(json.ToJsonString());
        return failures == 0 ? 0 : 1;
    }

    private static readonly TimeSpan IdleSample = TimeSpan.FromSeconds(5);

    // What the nodes spend with nothing to do, which every repetition's CPU includes; the first seconds
    // after a load are busier (tiered JIT, GC, offsets written), so they are left out.
    private static async Task<double> IdleCpuAsync(ServerNodes nodes)
    {
        await Task.Delay(IdleSample);
        var before = CpuMeter.Take(nodes.ProcessIds);
        await Task.Delay(IdleSample);
        return (CpuMeter.Take(nodes.ProcessIds).Processes - before.Processes) / CpuMeter.TicksPerSecond / IdleSample.TotalSeconds * 100;
    }

    // The medians side by side; for the servers' CPU the difference is what the cluster (remoting
    // between the nodes, sharding, leases, gossip) costs per delivery.
    private string Compare((string Label, Results Results) single, (string Label, Results Results) cluster)
    {
        var rows = new List<string[]> { new[] { $"{o.Variant.Label}: medians", single.Label, cluster.Label, "cluster ÷ single", "cluster − single" } };
        foreach (var m in Metrics.Where(m => m.Unit is "msg/s" or "ms" or "µs"))
        {
            if (single.Results.Median(m.Key) is not { } s || cluster.Results.Median(m.Key) is not { } c) continue;
            rows.Add([$"{m.Label} [{m.Unit}]", Format(s, m), Format(c, m), $"{c / s:F2}×", m.Key.EndsWith(".cpu", StringComparison.Ordinal) ? Format(c - s, m) : ""]);
        }
        return Results.Table(rows) + "\n- cluster − single of the servers' CPU: what the cluster adds per delivery (or per event in B), " +
               "remoting between the nodes above all; the load generator's CPU is this process's (REST publisher and consumer)\n";

        static string Format(double value, Metric m) => value.ToString(m.Format, System.Globalization.CultureInfo.InvariantCulture);
    }

    // The cluster's nodes last the run; before each repetition the one killed last is started again.
    private async Task<int> RunFailoverAsync()
    {
        o = _options with { Variant = _options.Variants[0] };
        _results = new Results($"websocket, cluster of {o.Cluster}");
        _results.Note($"failover: a subscription (readAhead={o.Variant.ReadAhead}, withData, from newest) streams events appended one per REST " +
                      $"call at {FailoverMode.Rate(o)}/s, each sent on time and given up after {FailoverMode.AppendTimeout.TotalSeconds:F0} s unanswered; " +
                      $"after {FailoverMode.Streaming.TotalSeconds:F0} s of streaming the node dispatching it (fetchstatus status.node) is killed with " +
                      "SIGKILL; publisher and consumer (lean client, acking every event) are on the two other nodes; time = kill to the consumer's " +
                      "receipt of the first event whose append was sent after the kill; failed appends are not retried");
        var failures = 0;
        var json = new JsonArray();
        await using var nodes = await ServerNodes.StartAsync(o.Cluster, o.Postgres!, CancellationToken.None);
        for (var rep = 1; rep <= o.Failover; rep++)
        {
            var label = $"failover rep {rep}/{o.Failover}";
            try
            {
                if (nodes.Nodes.Where(n => n.ProcessId is null).ToArray() is { Length: > 0 } down)
                {
                    using var timeout = new CancellationTokenSource(o.PhaseTimeout);
                    await Task.WhenAll(down.Select(n => n.StartAsync(timeout.Token)));
                    await nodes.WaitUntilUpAsync(timeout.Token);
                }
                var r = await FailoverMode.RunAsync(nodes, o, _payload);
                _results.Add("F.time", r.Seconds);
                if (!double.IsNaN(r.AppendsResumed)) _results.Add("F.appends", r.AppendsResumed);
                var note = $"{label}: {r.Seconds:F2} s (killed {r.Victim}; publisher {r.Publisher}, consumer {r.Consumer}; appends resumed after " +
                           $"{r.AppendsResumed:F2} s, {r.FailedAppends} failed; consumer reconnects: {r.Reconnects})";
                _results.Note(note);
                Progress.Log(note);
                json.Add(Math.Round(r.Seconds, 3));
            }
            catch (Exception e)
            {
                failures++;
                var reason = e is OperationCanceledException ? $"timed out (exceeded --timeout-s {o.TimeoutS})" : $"{e.GetType().Name}: {e.Message}";
                _results.Note($"FAILED: {label}: {reason}");
                Progress.Log($"{label} FAILED: {e}");
            }
        }
        Console.WriteLine();
        Console.Write(_results.Render(Metrics));
        if (_options.Json) Console.WriteLine(new JsonObject { ["nodes"] = o.Cluster, ["failover_s"] = json, ["failover_median_s"] = Round(_results.Median("F.time"), 3) }.ToJsonString());
        return failures == 0 ? 0 : 1;
    }

    private async Task<int> RunVariantAsync(bool warmUp)
    {
        var v = o.Variant;
        var window = v.Batch ? $"batch={v.BatchSize} readAhead={v.ReadAhead} ({v.ReadAhead + 1} batches in flight)" : $"readAhead={v.ReadAhead} ({v.ReadAhead + 1} in flight)";
        var workload = $"N={o.N} payload={o.PayloadSize}B {window} pub-window={o.PubWindow} " +
                       $"live-rate={(o.LiveRate > 0 ? $"{o.LiveRate} msg/s" : "max")} fanout={o.FanoutSubscriptions}x{o.FanoutN}" +
                       (o.Modes.Contains("M") ? $" memory-n={o.MemoryN}" : "") + $" reps={o.Reps}" +
                       (o.AckTimeout is not null ? $" ackTimeout={o.AckTimeout}" : "") + (o.MaxDeliveries > 0 ? $" maxDeliveries={o.MaxDeliveries}" : "");
        _results.Note($"workload: {workload}");
        if (o.Nodes is { } deployment) _results.Note(NodesNote(o, deployment));
        else _results.Note($"publish: one event per AppendAsync call, at most pub-window unconfirmed (as PeerBench); store: {StoreActorSystem.Describe(_options.Postgres)}, engine defaults");
        if (o.Nodes is null && TransportNote(o) is { } transport) _results.Note(transport);
        if (o.Nodes is null) _results.Note($"durability: {StorageDurabilitySetting.Of(o.Config).Name()} (actordispatch.storage.durability; --durability)");
        if (o.Modes.Contains("M"))
            _results.Note($"mode M: {o.MemoryN} events appended {MemoryMode.EventsPerCall(o)} per call, then consumed by one subscription from oldest; " +
                          $"RSS read every {MemoryMode.SamplePeriod.TotalMilliseconds:F0} ms and at each quarter while consuming, halves by events consumed; " +
                          "no GC is forced; RSS includes the load generator, whose sequence check and latencies keep 9 B per event (allocated as consuming starts)");
        if (o.ConfigText != "") _results.Note($"config overrides: {o.ConfigText}");
        Progress.Log($"e2e {v.Label}: {workload}");

        if (warmUp) await WarmUpAsync();
        if (o.Nodes is { } idle)
            _results.Note($"idle: the servers used {await IdleCpuAsync(idle):F1}% of one core over {IdleSample.TotalSeconds:F0} s, {IdleSample.TotalSeconds:F0} s after " +
                          "the warm-up (gossip, heartbeats, leases, polling); every repetition's CPU includes that");

        var failures = 0;
        foreach (var mode in o.Modes)
        {
            for (var rep = 1; rep <= o.Reps; rep++)
            {
                // The server processes' CPU is the run's own, not other processes'.
                var servers = o.Nodes?.ProcessIds;
                await CpuMeter.WaitForQuietAsync(TimeSpan.FromSeconds(o.QuietWaitS), servers);
                var cpu = CpuMeter.Take(servers);
                var gc = GcActivity.Take();
                try
                {
                    await RunModeAsync(mode, rep);
                    var after = CpuMeter.Take(servers);
                    Progress.Log($"{mode} rep {rep}/{o.Reps}: {GcActivity.Take().Since(gc)}");
                    if (o.Nodes is not null) AddCpu(mode, $"{mode} rep {rep}/{o.Reps}", cpu, after);
                    if (o.Nodes is { Cluster: false } single) await AddServerAsync(mode, $"{mode} rep {rep}/{o.Reps}", single, cpu, after);
                    if (CpuMeter.ForeignPercent(cpu, after) is { } foreign)
                    {
                        _results.Add($"{mode}.foreign", foreign);
                        Progress.Log($"{mode} rep {rep}/{o.Reps}: other processes used {foreign:F0}% of all cores");
                    }
                }
                catch (Exception e)
                {
                    failures++;
                    var reason = e is OperationCanceledException ? $"timed out (a phase exceeded --timeout-s {o.TimeoutS})" : $"{e.GetType().Name}: {e.Message}";
                    _results.Note($"FAILED: mode {mode} rep {rep}: {reason}");
                    Progress.Log($"{mode} rep {rep}/{o.Reps} FAILED: {e}");
                }
            }
        }

        Console.WriteLine();
        Console.Write(_results.Render(Metrics));
        return failures;
    }

    // The server process's VmRSS once the mode is done and what it is made of, and the CPU-seconds it used over it.
    private async Task AddServerAsync(string mode, string label, ServerNodes nodes, CpuMeter.Snapshot before, CpuMeter.Snapshot after)
    {
        if (mode is not ("A" or "B" or "C") || nodes.Nodes[0].ProcessId is not { } pid) return;
        var seconds = (after.Processes - before.Processes) / CpuMeter.TicksPerSecond;
        if (after.Total > 0) _results.Add($"{mode}.srv_cpu_s", seconds);
        if (ProcessMemory.RssMiB(pid) is not { } rss) return;
        _results.Add($"{mode}.srv_rss", rss);
        var gc = await nodes.Nodes[0].GcCommittedMiBAsync(CancellationToken.None) is { } committed ? $", of it GC-committed {committed:F0}" : "";
        var parts = ProcessMemory.ResidentParts(pid) is var (anon, file, shmem) ? $" (anonymous {anon:F0}{gc}, files {file:F0}, shared {shmem:F0})" : "";
        Progress.Log($"{label}: server process VmRSS {rss:F0} MiB{parts}, {seconds:F2} CPU-seconds");
    }

    private static string NodesNote(E2eOptions o, ServerNodes nodes) =>
        $"servers: {nodes.Label}, each `dotnet ActorDispatch.Server.dll` in a process of its own " +
        (nodes.Cluster ? "(cluster mode, seeds node1 and node2)" : "(no cluster mode)") +
        $" on one fresh {(o.Postgres is null ? "SQLite file" : "PostgreSQL database")} for the run, each host in a fresh namespace; publish: " +
        (o.AppendStream
            ? "one message per call (the event, or an array) on node1's append stream (one WebSocket per namespace, answered in order), at most pub-window unanswered"
            : "one REST POST (a JSON array) per call to node1, at most pub-window unconfirmed, " +
              (o.ServerHttp2 ? "over HTTP/2 (prior knowledge, up to 100 streams a connection)" : "a keep-alive connection (HTTP/1.1) each")) + "; consume: " +
        (o.Variant.Kind == TransportKind.WebSocket
            ? $"{(o.WsClient == WsClient.Lean ? "the lean client" : "ClientWebSocket")} on {(nodes.Cluster ? "node2" : "node1")}'s /ws, one ack per event"
            : "the dispatching node POSTs to a receiver in this process (withData)") +
        "; servers' CPU: the nodes' utime + stime (/proc/<pid>/stat) over each repetition, per event consumed; \"process RSS\": this process (load generator) " +
        "only, \"server process VmRSS\": the server's (/proc/<pid>/status); other processes' CPU leaves the nodes out (PostgreSQL counts)";

    // The servers' and this process's CPU over one repetition, per event consumed (per delivery in C).
    private void AddCpu(string mode, string label, CpuMeter.Snapshot before, CpuMeter.Snapshot after)
    {
        if (after.Total == 0 || mode is not ("A" or "B" or "C")) return; // no /proc, or mode M
        var deliveries = mode == "C" ? (long)o.FanoutSubscriptions * o.FanoutN : o.N;
        var servers = (after.Processes - before.Processes) / CpuMeter.TicksPerSecond * 1e6 / deliveries;
        var generator = (after.Self - before.Self) / CpuMeter.TicksPerSecond * 1e6 / deliveries;
        _results.Add($"{mode}.cpu", servers);
        _results.Add($"{mode}.gen_cpu", generator);
        Progress.Log($"{label}: servers' CPU {servers:F1} µs per delivery, load generator's {generator:F1} µs");
    }

    private static string? TransportNote(E2eOptions o) => o.Variant.Kind switch
    {
        TransportKind.WebSocket =>
            "transport: the server (ServerApp: REST, /ws, webhooks) on Kestrel 127.0.0.1 in this process; each subscription consumed by a " +
            (o.WsClient == WsClient.Lean ? "lean RFC 6455 client (--ws-client lean)" : "ClientWebSocket (--ws-client dotnet)") +
            " on /ws?namespace=..&name=.. (withData), one ack frame per event, " +
            (o.AckEachWrite ? "each ack in its own socket write (--ws-acks each)" : "the acks of frames that arrived together in one socket write") +
            "; publishing stays in process " +
            "(IActorDispatch.AppendAsync, not REST); RSS includes server, client and load generator",
        TransportKind.Webhook =>
            "transport: the server (ServerApp) POSTs to a Kestrel receiver on 127.0.0.1 in this process that answers 200; withData=true, so " +
            "each body is the event data (or an array of them) with the sequence and publish timestamp: latency is publish to receipt; " +
            "consume = subscription created to last event received; publishing stays in process (IActorDispatch.AppendAsync, not REST); " +
            "RSS includes server, receiver and load generator",
        TransportKind.Mqtt =>
            $"transport: the server (ServerApp) in this process publishes each delivery at QoS {o.MqttQos} (--mqtt-qos) to the broker {MqttHost.Broker} " +
            "(MQTT 5, one topic per subscription, withData); an MQTTnet client of this process, subscribed at the same QoS, receives it: " +
            "latency is publish to receipt; publishing stays in process (IActorDispatch.AppendAsync); RSS excludes the broker",
        _ => null,
    };

    // The first repetition would otherwise pay for JIT compilation (PeerBench saw it up to 2x slower).
    // As PeerBench: unrecorded backlog + live passes, repeated until --warmup-s has passed (at most
    // 60): tiered JIT promotes hot methods in a background thread, and here the engine itself is
    // JIT-compiled in the measured process, so one pass left the first repetitions up to 2x slower
    // than the last, and so did 8 s of passes; over WebSockets the JIT was still busy after 20 s.
    private async Task WarmUpAsync()
    {
        var warm = o with { N = o.Warmup, LiveRate = 0 };
        var start = Stopwatch.GetTimestamp();
        for (var pass = 1; pass <= 60; pass++)
        {
            var backlog = await BacklogMode.RunAsync(warm, _payload);
            var live = await LiveMode.RunAsync(warm, _payload);
            Progress.Log($"warm-up pass {pass} ({o.Warmup} events, not recorded): publish {backlog.Append.Rate(o.Warmup):N0} msg/s, " +
                         $"consume+ack {backlog.Consume.Span.Rate(o.Warmup):N0} msg/s, live {live.EndToEnd.Rate(o.Warmup):N0} msg/s");
            if (Stopwatch.GetElapsedTime(start) >= TimeSpan.FromSeconds(o.WarmupS)) break;
        }
    }

    private async Task RunModeAsync(string mode, int rep)
    {
        var label = $"{mode} rep {rep}/{o.Reps}";
        switch (mode)
        {
            case "A":
            {
                var r = await BacklogMode.RunAsync(o, _payload);
                _results.Add("A.publish", r.Append.Rate(o.N));
                _results.Add("A.publish_batch", r.AppendBatched.Rate(o.N));
                _results.Add("A.consume", r.Consume.Span.Rate(o.N));
                AddRss("A", r.RssMiB);
                Check(label, r.Consume.Sequences);
                Progress.Log($"{label}: publish {r.Append.Rate(o.N):N0} msg/s ({o.BatchSize} per append: {r.AppendBatched.Rate(o.N):N0} msg/s), " +
                             $"consume+ack {r.Consume.Span.Rate(o.N):N0} msg/s, RSS {r.RssMiB:F0} MiB");
                break;
            }
            case "B":
            {
                var r = await LiveMode.RunAsync(o, _payload);
                var latency = r.Consume.Latencies;
                _results.Add("B.e2e", r.EndToEnd.Rate(o.N));
                _results.Add("B.publish", r.Publish.Rate(o.N));
                _results.Add("B.p50", latency.Milliseconds(0.50));
                _results.Add("B.p99", latency.Milliseconds(0.99));
                _results.Add("B.max", latency.Milliseconds(1.0));
                AddRss("B", r.RssMiB);
                Check(label, r.Consume.Sequences);
                Progress.Log($"{label}: end-to-end {r.EndToEnd.Rate(o.N):N0} msg/s (publish {r.Publish.Rate(o.N):N0} msg/s), latency p50 " +
                             $"{latency.Milliseconds(0.50):F2} ms, p99 {latency.Milliseconds(0.99):F2} ms, max {latency.Milliseconds(1.0):F2} ms, RSS {r.RssMiB:F0} MiB");
                break;
            }
            case "C":
            {
                var r = await FanoutMode.RunAsync(o, _payload);
                long deliveries = (long)o.FanoutSubscriptions * o.FanoutN;
                _results.Add("C.publish", r.Publish.Rate(o.FanoutN));
                _results.Add("C.deliver", r.Deliver.Rate(deliveries));
                AddRss("C", r.RssMiB);
                for (var i = 0; i < r.Consumers.Count; i++) Check($"{label} subscription {i}", r.Consumers[i].Sequences);
                Progress.Log($"{label}: publish {r.Publish.Rate(o.FanoutN):N0} msg/s, {o.FanoutSubscriptions} subscriptions: " +
                             $"{r.Deliver.Rate(deliveries):N0} deliveries/s, RSS {r.RssMiB:F0} MiB");
                break;
            }
            case "M":
            {
                var r = await MemoryMode.RunAsync(o, _payload);
                _results.Add("M.append", r.Append.Rate(o.MemoryN));
                _results.Add("M.consume", r.Consume.Span.Rate(o.MemoryN));
                Check(label, r.Consume.Sequences);
                var rates = $"{label}: append {r.Append.Rate(o.MemoryN):N0} msg/s, consume+ack {r.Consume.Span.Rate(o.MemoryN):N0} msg/s";
                if (r.Rss is not { } rss)
                {
                    Progress.Log($"{rates}; no RSS (no /proc/self/status)");
                    break;
                }
                _results.Add("M.rss_before", rss.BeforeMiB);
                string[] quarters = ["M.rss_25", "M.rss_50", "M.rss_75", "M.rss_100"];
                for (var i = 0; i < quarters.Length; i++) _results.Add(quarters[i], rss.QuartersMiB[i]);
                _results.Add("M.rss_peak", rss.PeakMiB);
                _results.Add("M.growth", rss.GrowthMiB);
                Progress.Log($"{rates}; RSS before {rss.BeforeMiB:F0} MiB, at 25/50/75/100% {string.Join("/", rss.QuartersMiB.Select(q => q.ToString("F0")))} MiB, " +
                             $"peak {rss.PeakMiB:F0} MiB, growth {rss.GrowthMiB:F1} MiB (halves peak at {rss.FirstHalfPeakMiB:F0} and {rss.SecondHalfPeakMiB:F0} MiB)");
                break;
            }
        }
    }

    private void AddRss(string mode, double? rss)
    {
        if (rss is { } value) _results.Add($"{mode}.rss", value);
    }

    // Every sequence arrived (the consumer returns only then); duplicates and order breaks are reported, not fatal.
    private void Check(string label, SequenceTracker sequences)
    {
        if (sequences.Duplicates == 0 && sequences.OutOfOrder == 0) return;
        // Parallel webhook requests may arrive in any order; the engine still acks by the gaps-fill rule.
        var parallel = sequences.OutOfOrder == 0 ? ""
            // Concurrent REST appends are committed in the order they reach the log, not that of their sequences.
            : o.Nodes is not null ? " (expected: concurrent REST appends)"
            : o.Variant.Kind == TransportKind.Webhook && o.Variant.ReadAhead > 0 ? $" (expected: {o.Variant.ReadAhead + 1} requests in parallel)"
            : "";
        var note = $"{label}: all {sequences.Unique} events arrived, with {sequences.Duplicates} duplicates and {sequences.OutOfOrder} out of order{parallel}";
        _results.Note(note);
        Progress.Log(note);
    }

    private JsonObject Medians()
    {
        var medians = new JsonObject
        {
            ["A_append"] = Round(_results.Median("A.publish"), 0),
            ["A_append_batch"] = Round(_results.Median("A.publish_batch"), 0),
            ["A_consume"] = Round(_results.Median("A.consume"), 0),
            ["B_e2e"] = Round(_results.Median("B.e2e"), 0),
            ["B_p50_ms"] = Round(_results.Median("B.p50"), 3),
            ["B_p99_ms"] = Round(_results.Median("B.p99"), 3),
            ["B_max_ms"] = Round(_results.Median("B.max"), 3),
            ["B_live_rate"] = o.LiveRate,
            ["C_deliveries"] = Round(_results.Median("C.deliver"), 0),
            // The largest of the per-mode medians: the run's footprint.
            ["rss_mib"] = Round(new[] { "A.rss", "B.rss", "C.rss" }.Select(_results.Median).Max(), 0),
        };
        if (o.Nodes is not null)
        {
            foreach (var mode in new[] { "A", "B", "C" })
            {
                medians[$"{mode}_cpu_us"] = Round(_results.Median($"{mode}.cpu"), 1);
                medians[$"{mode}_gen_cpu_us"] = Round(_results.Median($"{mode}.gen_cpu"), 1);
            }
        }
        if (o.Nodes is { Cluster: false })
        {
            foreach (var mode in new[] { "A", "B", "C" })
            {
                medians[$"{mode}_server_rss_mib"] = Round(_results.Median($"{mode}.srv_rss"), 0);
                medians[$"{mode}_server_cpu_s"] = Round(_results.Median($"{mode}.srv_cpu_s"), 2);
            }
        }
        if (!o.Modes.Contains("M")) return medians;
        medians["M_peak_rss_mib"] = Round(_results.Median("M.rss_peak"), 0);
        medians["M_growth_mib"] = Round(_results.Median("M.growth"), 1);
        return medians;
    }

    // In-process: the medians as before. WebSocket: the same, naming the transport. Webhooks: one object per variant.
    private static JsonObject Json(List<(TransportVariant Variant, JsonObject Medians)> medians, E2eOptions o)
    {
        var first = medians[0];
        switch (first.Variant.Kind)
        {
            case TransportKind.InProcess:
                return first.Medians;
            case TransportKind.WebSocket:
                var ws = new JsonObject { ["transport"] = "websocket", ["read_ahead"] = first.Variant.ReadAhead, ["ws_acks"] = o.AckEachWrite ? "each" : "together",
                    ["ws_client"] = o.WsClient == WsClient.Lean ? "lean" : "dotnet" };
                foreach (var (key, value) in first.Medians) ws[key] = value?.DeepClone();
                return ws;
            default:
                var hooks = new JsonObject { ["transport"] = first.Variant.Kind switch { TransportKind.Amqp => "amqp", TransportKind.Mqtt => "mqtt", _ => "webhook" }, ["body"] = "data (withData=true)" };
                foreach (var (variant, values) in medians)
                {
                    values["read_ahead"] = variant.ReadAhead;
                    values["batch_size"] = variant.Batch ? variant.BatchSize : null;
                    hooks[variant.Key] = values;
                }
                return hooks;
        }
    }

    private static JsonNode? Round(double? value, int digits) => value is { } v ? JsonValue.Create(Math.Round(v, digits)) : null;
}
