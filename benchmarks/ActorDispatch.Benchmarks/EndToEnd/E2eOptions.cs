using ActorDispatch.Benchmarks.Shared;
using Akka.Configuration;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>The end-to-end workload; the defaults are the peer harness's (benchmarks/ActorDispatch.PeerBench), so figures compare.</summary>
internal sealed record E2eOptions
{
    public int N { get; init; } = 100_000;
    public int PayloadSize { get; init; } = 256;
    public int Window { get; init; } = 100;
    public int PubWindow { get; init; } = 1000;
    public int BatchSize { get; init; } = 100;
    public int LiveRate { get; init; }
    public int FanoutSubscriptions { get; init; } = 10;
    public int FanoutN { get; init; } = 20_000;

    /// <summary><c>--memory-n</c>: the backlog mode M consumes; the issue's memory check asks for 1,000,000.</summary>
    public int MemoryN { get; init; } = 1_000_000;
    public int Reps { get; init; } = 3;
    public IReadOnlyList<string> Modes { get; init; } = ["A", "B", "C"];
    public int Warmup { get; init; } = 20_000;
    public int WarmupS { get; init; } = 60;
    public int TimeoutS { get; init; } = 300;
    public int QuietWaitS { get; init; } = 30;
    public bool Json { get; init; }

    /// <summary><c>--ack-timeout</c>: the subscriptions' ackTimeout (a duration), or null for none.</summary>
    public string? AckTimeout { get; init; }

    /// <summary><c>--max-deliveries</c>: the subscriptions' maxDeliveries; 0 leaves it unset.</summary>
    public int MaxDeliveries { get; init; }

    /// <summary>A PostgreSQL server to measure on (a fresh database per repetition), or null for SQLite.</summary>
    public string? Postgres { get; init; } = StoreActorSystem.DefaultPostgres;

    /// <summary><c>--transport</c>: how subscriptions are consumed.</summary>
    public TransportKind Transport { get; init; } = TransportKind.InProcess;

    /// <summary><c>--mqtt-qos</c>: with <c>--transport mqtt</c>, the subscriptions' <c>qos</c> and the consumer's.</summary>
    public int MqttQos { get; init; } = 1;

    private bool MqttQosGiven { get; init; }

    /// <summary>Whether <c>--transport</c> was given: with <c>--cluster</c> it is websocket unless it was.</summary>
    private bool TransportGiven { get; init; }

    /// <summary><c>--cluster N</c>: N server processes in one cluster (and one alone beside them), or 0 for none.</summary>
    public int Cluster { get; init; }

    /// <summary><c>--failover R</c>: with <c>--cluster</c>, R failover measurements instead of the modes; 0 for none.</summary>
    public int Failover { get; init; }

    /// <summary><c>--server process</c>: the modes against one server process of their own (SQLite unless <c>--store postgres</c>).</summary>
    public bool ServerProcess { get; init; }

    /// <summary><c>--durability full|process</c>: the store's durability (<c>actordispatch.storage.durability</c>), or null for the default, full.</summary>
    public string? Durability { get; init; }

    /// <summary><c>--server-gc</c>: the server processes' GC mode (<see cref="ServerLaunch.GcModes"/>), or null for the server's own.</summary>
    public string? ServerGc { get; init; }

    /// <summary><c>--server-env K=V</c> (repeatable): environment variables of the server processes.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ServerEnv { get; init; } = [];

    /// <summary><c>--server-config Key=Value</c> (repeatable): server configuration keys, e.g. <c>ActorDispatch:Logging:Json=true</c>.</summary>
    public IReadOnlyList<string> ServerConfig { get; init; } = [];

    /// <summary><c>--server-http 1.1|2</c>: whether REST appends go over HTTP/2 (prior knowledge) instead of HTTP/1.1 keep-alive connections.</summary>
    public bool ServerHttp2 { get; init; }

    /// <summary><c>--append rest|stream</c>: appends over REST, or over one append stream (WebSocket) per namespace.</summary>
    public bool AppendStream { get; init; }

    /// <summary>How the runner starts its server processes for <c>--server process</c> and <c>--cluster</c>.</summary>
    public ServerLaunch Launch(string? postgres) => new(postgres, Durability, ServerGc, ServerEnv, ServerConfig,
        AppendStream ? AppendPath.Stream : ServerHttp2 ? AppendPath.RestHttp2 : AppendPath.Rest);

    /// <summary>The server processes of the deployment being measured; the runner sets it with <c>--cluster</c>.</summary>
    public ServerNodes? Nodes { get; init; }

    /// <summary>The PostgreSQL server of <c>--cluster</c>: <c>--postgres</c>, else <c>ACTORDISPATCH_BENCH_POSTGRES</c> or <c>ACTORDISPATCH_TEST_POSTGRES</c>.</summary>
    public string? ClusterPostgres =>
        Postgres ?? (Environment.GetEnvironmentVariable("ACTORDISPATCH_TEST_POSTGRES") is { Length: > 0 } pg ? pg : null);

    /// <summary>
    /// <c>--ws-acks each</c>: the WebSocket client writes every ack on its own, as FireFly's Go client
    /// does; by default it writes the acks of the frames that arrived together in one write.
    /// </summary>
    public bool AckEachWrite { get; init; }

    /// <summary>
    /// <c>--ws-client</c>: <see cref="WsClient.Lean"/> by default, so that the client, which shares the
    /// process and its two cores with the server, takes as little of them as it can.
    /// </summary>
    public WsClient WsClient { get; init; } = WsClient.Lean;

    /// <summary>Whether <c>--ws-client</c> was given, which only applies to <c>--transport websocket</c>.</summary>
    private bool WsClientGiven { get; init; }

    /// <summary><c>--webhook-variants</c> as given (null: the default); parsed into <see cref="Variants"/>.</summary>
    public string? WebhookVariants { get; init; }

    /// <summary>What the run measures, one table each: one variant, or for webhooks those of <c>--webhook-variants</c>.</summary>
    public IReadOnlyList<TransportVariant> Variants { get; init; } = [TransportVariant.InProcess(100)];

    /// <summary>The variant being measured; the runner sets it for each of <see cref="Variants"/>.</summary>
    public TransportVariant Variant { get; init; } = TransportVariant.InProcess(100);

    /// <summary>HOCON over the engine's and the store's settings, e.g. <c>actordispatch.dispatch.poll-interval = 60s</c>.</summary>
    public string ConfigText { get; init; } = "";

    public Config Config => ConfigurationFactory.ParseString(ConfigText);

    public TimeSpan PhaseTimeout => TimeSpan.FromSeconds(TimeoutS);

    public const string Usage = """
        ActorDispatch.Benchmarks e2e — the engine in process, on a fresh SQLite file per repetition.

          --transport T          how subscriptions are consumed [in-process]:
                                   in-process  IActorDispatch.ListenAsync (the system transport)
                                   websocket   the server (ServerApp) on Kestrel 127.0.0.1, a
                                               WebSocket client (--ws-client) on /ws acking every event
                                   webhook     the server posting to a local Kestrel receiver
                                               (withData: the body is the event data), one
                                               table per --webhook-variants entry
                                   amqp        the server publishing with confirms to RabbitMQ
                                               (ACTORDISPATCH_BENCH_AMQP, loopback), a queue per
                                               subscription consumed here; readAhead --window
                                   mqtt        the server publishing at --mqtt-qos to an MQTT broker
                                               (ACTORDISPATCH_BENCH_MQTT=host:port, loopback), a
                                               topic per subscription that an MQTTnet client here
                                               subscribes to at the same QoS; readAhead --window
                                 events are always appended in process with IActorDispatch.AppendAsync
          --mqtt-qos 0|1|2       --transport mqtt: the subscriptions' qos (what acks a delivery: 0 sent,
                                 1 PUBACK, 2 PUBCOMP) and the consumer's subscription QoS [1]
          --ws-acks together|each  the WebSocket client writes the acks of frames that arrived
                                 together in one socket write, or each in its own [together]
          --ws-client lean|dotnet  the WebSocket client [lean]: lean is a minimal RFC 6455 client
                                 drawing masking keys 1,024 at a time; dotnet is ClientWebSocket,
                                 which makes one OpenSSL call per frame for its masking key
          --webhook-variants V   webhook variants, comma-separated: ra<N> (readAhead N),
                                 batch<S> or batch<S>-ra<N> (batch of S, readAhead N, default 0)
                                 [ra0,ra100,batch50]

          --n N                  events for modes A and B [100000]
          --payload BYTES        size of each event's JSON data [256]
          --window W             subscription readAhead (W + 1 deliveries in flight) for
                                 in-process and websocket [100]
          --pub-window P         max appended events not yet confirmed [1000]
          --batch-size B         events per AppendAsync call in the batched append of mode A [100]
          --live-rate R          pace mode B's publisher at R events/s; 0 = as fast as it can [0]
          --fanout-subs K        durable subscriptions in mode C [10]
          --fanout-n N           backlog size in mode C [20000]
          --memory-n N           backlog size in mode M [1000000]
          --reps R               repetitions of every mode [3]
          --modes A,B,C,M        A backlog, B live, C fan-out [A,B,C]; M memory (not in the
                                 default): RSS sampled every 250 ms while one subscription
                                 consumes a --memory-n backlog (in-process only)
          --warmup N             events of each unrecorded backlog + live warm-up pass; 0 = none [20000]
          --warmup-s S           repeat warm-up passes for at least S seconds (at most 60 passes) [60]
          --timeout-s S          limit for each publish or consume phase [300]
          --quiet-wait-s S       before each measurement, wait up to S s until other processes
                                 use < 10% of all cores; 0 = don't wait [30]
          --store sqlite|postgres  the store [sqlite]; postgres needs --postgres or ACTORDISPATCH_BENCH_POSTGRES
                                 (in-process only: the server hosts run on SQLite)
          --postgres CONN        a PostgreSQL server's connection string; implies --store postgres
          --config HOCON         settings over the engine's and store's defaults, e.g.
                                 "actordispatch.dispatch.poll-interval = 60s" (in-process only:
                                 the server takes its settings from its own configuration)
          --ack-timeout D        the subscriptions' ackTimeout, e.g. 30s [none] (in-process only)
          --max-deliveries N     the subscriptions' maxDeliveries [0: unset] (in-process only)
          --json                 end stdout with one JSON object of the medians

          --cluster N            N >= 2 server processes (dotnet ActorDispatch.Server.dll, copied beside
                                 this runner) in one cluster on 127.0.0.1, on a fresh PostgreSQL database
                                 (--postgres, else ACTORDISPATCH_BENCH_POSTGRES or ACTORDISPATCH_TEST_POSTGRES);
                                 appends go over REST to node 1, consumers to node 2 (--transport
                                 websocket, the default here, or webhook). Each table runs first on one
                                 server process without cluster mode (same database kind, same client
                                 path), then on the cluster, and the two are printed side by side with
                                 the servers' CPU per delivery and their difference
          --server in-process|process  process: each table against one server process of its own,
                                 `dotnet ActorDispatch.Server.dll` on a fresh SQLite file (or, with
                                 --store postgres, a fresh PostgreSQL database), started once per run
                                 and warmed up, a fresh namespace per host; appends over REST (one
                                 event per POST, at most --pub-window unconfirmed), consumption over
                                 /ws with --ws-client; the table adds the server's VmRSS after each
                                 mode and its CPU-seconds (/proc/<pid>/status, /proc/<pid>/stat)
                                 [in-process]
          --durability full|process  the store's durability (actordispatch.storage.durability):
                                 full syncs every commit before it is acknowledged, process survives
                                 a crash of the process only (SQLite synchronous=NORMAL, PostgreSQL
                                 synchronous_commit=off) [full]
          --server-gc G          the server processes' GC: server (DATAS), datas-off, workstation,
                                 conserve (server, GCConserveMemory=5), workstation-conserve
                                 [the server's runtimeconfig: server GC, DATAS]
          --server-env K=V       an environment variable of the server processes (repeatable),
                                 e.g. DOTNET_GCgen0size=0x4000000
          --server-config K=V    a server configuration key (repeatable), passed as --K=V
          --server-http 1.1|2    REST appends over HTTP/1.1 keep-alive connections (one per
                                 concurrent append) or HTTP/2 with prior knowledge on a second,
                                 HTTP/2-only endpoint [1.1]
          --append rest|stream   appends as REST POSTs, or as messages on one append stream
                                 (WebSocket, .../events/stream) per namespace, answered in order [rest]
          --failover R           with --cluster N (N >= 3, websocket): instead of the modes, R times kill
                                 (SIGKILL) the node dispatching a streaming subscription, publisher and
                                 consumer on the other two, and time the kill to the first delivery of an
                                 event appended after it; the node is restarted between repetitions.
                                 Paced at --live-rate (200/s if 0)
        """;

    public static E2eOptions Parse(string[] args)
    {
        var o = new E2eOptions();
        var flags = new Flags(args);
        while (flags.MoveNext())
        {
            o = flags.Current switch
            {
                "--n" => o with { N = flags.Int(min: 1) },
                "--payload" => o with { PayloadSize = flags.Int(min: 1) },
                "--window" => o with { Window = flags.Int(min: 0) },
                "--pub-window" => o with { PubWindow = flags.Int(min: 1) },
                "--batch-size" => o with { BatchSize = flags.Int(min: 1) },
                "--live-rate" => o with { LiveRate = flags.Int(min: 0) },
                "--fanout-subs" => o with { FanoutSubscriptions = flags.Int(min: 1) },
                "--fanout-n" => o with { FanoutN = flags.Int(min: 1) },
                // Two events at least: mode M compares the first half of the backlog with the second.
                "--memory-n" => o with { MemoryN = flags.Int(min: 2) },
                "--reps" => o with { Reps = flags.Int(min: 1) },
                "--modes" => o with { Modes = ParseModes(flags.Value()) },
                "--warmup" => o with { Warmup = flags.Int(min: 0) },
                "--warmup-s" => o with { WarmupS = flags.Int(min: 0) },
                "--timeout-s" => o with { TimeoutS = flags.Int(min: 1) },
                "--quiet-wait-s" => o with { QuietWaitS = flags.Int(min: 0) },
                "--json" => o with { Json = true },
                "--ack-timeout" => o with { AckTimeout = flags.Value() },
                "--max-deliveries" => o with { MaxDeliveries = flags.Int(min: 0) },
                "--postgres" => o with { Postgres = flags.Value() },
                "--store" => o with { Postgres = StoreActorSystem.ForStore(flags.Value(), o.Postgres) },
                "--config" => o with { ConfigText = flags.Hocon() },
                "--transport" => o with { Transport = ParseTransport(flags.Value()), TransportGiven = true },
                "--cluster" => o with { Cluster = flags.Int(min: 2) },
                "--failover" => o with { Failover = flags.Int(min: 1) },
                "--webhook-variants" => o with { WebhookVariants = flags.Value() },
                "--mqtt-qos" => o with { MqttQos = ParseQos(flags.Value()), MqttQosGiven = true },
                "--ws-acks" => o with { AckEachWrite = ParseWsAcks(flags.Value()) },
                "--ws-client" => o with { WsClient = ParseWsClient(flags.Value()), WsClientGiven = true },
                "--server" => o with { ServerProcess = ParseServer(flags.Value()) },
                "--durability" => o with { Durability = ParseDurability(flags.Value()) },
                "--server-gc" => o with { ServerGc = flags.Value() },
                "--server-env" => o with { ServerEnv = [.. o.ServerEnv, ParsePair(flags.Current, flags.Value())] },
                "--server-config" => o with { ServerConfig = [.. o.ServerConfig, flags.Value()] },
                "--server-http" => o with { ServerHttp2 = ParseHttp(flags.Value()) },
                "--append" => o with { AppendStream = ParseAppend(flags.Value()) },
                _ => throw flags.Unknown(),
            };
        }
        if (o.Cluster > 0)
        {
            // Server processes: a transport of the server, and the store cluster mode needs.
            if (o.Transport == TransportKind.InProcess && o.TransportGiven) throw new ArgumentException("--cluster takes --transport websocket or webhook");
            if (o.ClusterPostgres is null) throw new ArgumentException("--cluster needs PostgreSQL: --postgres CONN or ACTORDISPATCH_TEST_POSTGRES");
            o = o with { Transport = o.TransportGiven ? o.Transport : TransportKind.WebSocket, Postgres = o.ClusterPostgres };
        }
        if (o.ServerProcess)
        {
            // One server process: its own transport (websocket, the default here), either store.
            if (o.Cluster > 0) throw new ArgumentException("--server process and --cluster are two deployments: pass one");
            if (o.Transport == TransportKind.InProcess && o.TransportGiven) throw new ArgumentException("--server process takes --transport websocket or webhook");
            if (o.Modes.Contains("M")) throw new ArgumentException("--modes M only applies to the engine in process; run it without --server process");
            o = o with { Transport = o.TransportGiven ? o.Transport : TransportKind.WebSocket };
        }
        var servers = o.ServerProcess || o.Cluster > 0;
        if (!servers && (o.ServerGc is not null || o.ServerEnv.Count > 0 || o.ServerConfig.Count > 0 || o.ServerHttp2 || o.AppendStream))
            throw new ArgumentException("--server-gc, --server-env, --server-config, --server-http and --append only apply to --server process and --cluster");
        if (o.AppendStream && o.ServerHttp2) throw new ArgumentException("--append stream and --server-http 2 are two ways to append: pass one");
        if (o.ServerGc is not null) _ = o.Launch(null).Variables(); // refuses an unknown mode here
        // In process the durability is engine HOCON; the server processes get it as their setting.
        if (o.Durability is not null && !servers && o.Transport == TransportKind.InProcess)
            o = o with { ConfigText = $"actordispatch.storage.durability = {o.Durability}\n{o.ConfigText}" };
        else if (o.Durability is not null && !servers)
            throw new ArgumentException("--durability applies to --transport in-process, --server process and --cluster");
        if (o.Failover > 0 && (o.Cluster < 3 || o.Transport != TransportKind.WebSocket))
            throw new ArgumentException("--failover needs --cluster N with N >= 3 (the victim, the publisher's and the consumer's node) and --transport websocket");
        if (o.Window > 65535) throw new ArgumentException("--window must be 0..65535 (it is the subscription's readAhead)");
        if (o.BatchSize > o.PubWindow) throw new ArgumentException("--batch-size must not exceed --pub-window");
        if (o.PayloadSize < BenchPayload.MinSize) throw new ArgumentException($"--payload must be at least {BenchPayload.MinSize} bytes");
        if (o.ConfigText != "" && o.Transport != TransportKind.InProcess) throw new ArgumentException("--config only applies to --transport in-process");
        if ((o.AckTimeout is not null || o.MaxDeliveries > 0) && o.Transport != TransportKind.InProcess)
            throw new ArgumentException("--ack-timeout and --max-deliveries only apply to --transport in-process");
        // The server hosts of the other transports run on their own SQLite file: say so rather than measure the wrong store.
        if (o.Postgres is not null && o.Transport != TransportKind.InProcess && o.Cluster == 0 && !o.ServerProcess)
            throw new ArgumentException("--store postgres (or ACTORDISPATCH_BENCH_POSTGRES) only applies to --transport in-process; pass --store sqlite");
        if (o.WebhookVariants is not null && o.Transport != TransportKind.Webhook) throw new ArgumentException("--webhook-variants only applies to --transport webhook");
        // The server processes are started without a broker: amqp and mqtt run against the server in this process.
        if (o.Transport is TransportKind.Amqp or TransportKind.Mqtt && (o.Cluster > 0 || o.Failover > 0 || o.ServerProcess))
            throw new ArgumentException($"--transport {(o.Transport == TransportKind.Amqp ? "amqp" : "mqtt")} runs against the server in this process: not with --cluster, --failover or --server process");
        if (o.MqttQosGiven && o.Transport != TransportKind.Mqtt) throw new ArgumentException("--mqtt-qos only applies to --transport mqtt");
        if (o.AckEachWrite && o.Transport != TransportKind.WebSocket) throw new ArgumentException("--ws-acks only applies to --transport websocket");
        if (o.WsClientGiven && o.Transport != TransportKind.WebSocket) throw new ArgumentException("--ws-client only applies to --transport websocket");
        // Mode M checks the engine's own memory: a server host would add Kestrel and a client to it.
        if (o.Modes.Contains("M") && o.Transport != TransportKind.InProcess)
            throw new ArgumentException("--modes M only applies to --transport in-process; run it without --transport");
        var variants = o.Transport switch
        {
            TransportKind.WebSocket => new[] { TransportVariant.WebSocket(o.Window) },
            TransportKind.Amqp => new[] { TransportVariant.Amqp(o.Window) },
            TransportKind.Mqtt => new[] { TransportVariant.Mqtt(o.Window, o.MqttQos) },
            TransportKind.Webhook => ParseWebhookVariants(o.WebhookVariants ?? TransportVariant.DefaultWebhookVariants),
            _ => new[] { TransportVariant.InProcess(o.Window) },
        };
        return o with { Variants = variants, Variant = variants[0] };
    }

    private static TransportKind ParseTransport(string text) => text.ToLowerInvariant() switch
    {
        "in-process" => TransportKind.InProcess,
        "websocket" => TransportKind.WebSocket,
        "webhook" => TransportKind.Webhook,
        "amqp" => TransportKind.Amqp,
        "mqtt" => TransportKind.Mqtt,
        _ => throw new ArgumentException($"--transport takes in-process, websocket, webhook, amqp or mqtt, not '{text}'"),
    };

    private static int ParseQos(string text) => text switch
    {
        "0" or "1" or "2" => text[0] - '0',
        _ => throw new ArgumentException($"--mqtt-qos takes 0, 1 or 2, not '{text}'"),
    };

    private static bool ParseServer(string text) => text.ToLowerInvariant() switch
    {
        "in-process" => false,
        "process" => true,
        _ => throw new ArgumentException($"--server takes in-process or process, not '{text}'"),
    };

    private static string ParseDurability(string text) => text.ToLowerInvariant() switch
    {
        "full" or "process" => text.ToLowerInvariant(),
        _ => throw new ArgumentException($"--durability takes full or process, not '{text}'"),
    };

    private static bool ParseHttp(string text) => text switch
    {
        "1.1" => false,
        "2" => true,
        _ => throw new ArgumentException($"--server-http takes 1.1 or 2, not '{text}'"),
    };

    private static bool ParseAppend(string text) => text switch
    {
        "rest" => false,
        "stream" => true,
        _ => throw new ArgumentException($"--append takes rest or stream, not '{text}'"),
    };

    private static KeyValuePair<string, string> ParsePair(string flag, string text) =>
        text.Split('=', 2) is [{ Length: > 0 } key, var value] ? new(key, value) : throw new ArgumentException($"{flag} takes KEY=VALUE, not '{text}'");

    private static bool ParseWsAcks(string text) => text.ToLowerInvariant() switch
    {
        "together" => false,
        "each" => true,
        _ => throw new ArgumentException($"--ws-acks takes together or each, not '{text}'"),
    };

    private static WsClient ParseWsClient(string text) => text.ToLowerInvariant() switch
    {
        "lean" => WsClient.Lean,
        "dotnet" => WsClient.DotNet,
        _ => throw new ArgumentException($"--ws-client takes lean or dotnet, not '{text}'"),
    };

    private static TransportVariant[] ParseWebhookVariants(string text)
    {
        var variants = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(TransportVariant.Webhook).ToArray();
        if (variants.Length == 0) throw new ArgumentException("--webhook-variants names no variant");
        if (variants.DistinctBy(v => v.Key).Count() != variants.Length) throw new ArgumentException($"--webhook-variants names a variant twice: '{text}'");
        return variants;
    }

    private static string[] ParseModes(string text)
    {
        var modes = text.ToUpperInvariant().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = modes.FirstOrDefault(m => m is not ("A" or "B" or "C" or "M"));
        if (unknown is not null || modes.Length == 0) throw new ArgumentException($"--modes takes A, B, C and M, not '{text}'");
        return modes;
    }
}
