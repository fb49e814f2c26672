using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.PeerBench;

/// <summary>
/// The workload of the e2e runner (its flags and defaults), on one broker at 127.0.0.1: what is
/// published, how many are in flight, how often each mode repeats.
/// </summary>
internal sealed record PeerOptions
{
    public BrokerKind Broker { get; init; }

    /// <summary>Whether <c>--broker</c> was given: there is no default broker.</summary>
    private bool BrokerGiven { get; init; }

    public int Port { get; init; }

    /// <summary><c>--server-pid</c>: the broker's process, whose VmRSS and CPU-seconds are recorded per repetition; 0 for none.</summary>
    public int ServerPid { get; init; }

    public int N { get; init; } = 100_000;
    public int PayloadSize { get; init; } = 256;
    public int Window { get; init; } = 100;
    public int PubWindow { get; init; } = 1000;
    public int LiveRate { get; init; }
    public int FanoutConsumers { get; init; } = 10;
    public int FanoutN { get; init; } = 20_000;
    public int Reps { get; init; } = 3;
    public IReadOnlyList<string> Modes { get; init; } = ["A", "B", "C"];
    public int Warmup { get; init; } = 20_000;
    public int WarmupS { get; init; } = 60;
    public int TimeoutS { get; init; } = 300;
    public int QuietWaitS { get; init; } = 30;
    public bool Json { get; init; }

    /// <summary><c>--tsv</c>: a file to append every repetition's values to (broker, metric, rep, value), or null.</summary>
    public string? Tsv { get; init; }

    /// <summary><c>--rabbitmq-queue</c>: RabbitMQ's queue type, classic or quorum.</summary>
    public string RabbitMqQueue { get; init; } = "classic";

    public TimeSpan PhaseTimeout => TimeSpan.FromSeconds(TimeoutS);

    /// <summary>The ports benchmarks/peers.sh starts the brokers on, clear of the test brokers' (55672, 51883, 55432).</summary>
    public static int DefaultPort(BrokerKind broker) => broker switch
    {
        BrokerKind.Nats => 54222,
        BrokerKind.Redis => 56379,
        _ => 55772,
    };

    public const string Usage = """
        ActorDispatch.PeerBench — the e2e runner's workload on a broker at 127.0.0.1, through its
        official .NET client (benchmarks/peers.sh starts each broker and runs this).

          --broker B             nats (JetStream), redis (Streams) or rabbitmq
          --port P               the broker's port [nats 54222, redis 56379, rabbitmq 55772]
          --server-pid PID       the broker's process: its VmRSS after each repetition and the
                                 CPU-seconds it used during it [none]
          --rabbitmq-queue T     classic or quorum [classic]

          --n N                  events for modes A and B [100000]
          --payload BYTES        size of each event's JSON body [256]
          --window W             at most W delivered and not yet acked per consumer [100]
          --pub-window P         at most P published and not yet confirmed [1000]
          --live-rate R          pace mode B's publisher at R events/s; 0 = as fast as it can [0]
          --fanout-subs K        independent durable consumers in mode C [10]
          --fanout-n N           backlog size in mode C [20000]
          --reps R               repetitions of every mode [3]
          --modes A,B,C          A backlog, B live, C fan-out [A,B,C]
          --warmup N             events of each unrecorded backlog + live warm-up pass; 0 = none [20000]
          --warmup-s S           repeat warm-up passes for at least S seconds (at most 60 passes) [60]
          --timeout-s S          limit for each publish or consume phase [300]
          --quiet-wait-s S       before each measurement, wait up to S s until other processes
                                 use < 10% of all cores; 0 = don't wait [30]
          --json                 end stdout with one JSON object of the medians
          --tsv FILE             append every repetition's values to FILE (broker, metric, rep, value)
        """;

    public static PeerOptions Parse(string[] args)
    {
        var o = new PeerOptions();
        var flags = new Flags(args);
        while (flags.MoveNext())
        {
            o = flags.Current switch
            {
                "--broker" => o with { Broker = ParseBroker(flags.Value()), BrokerGiven = true },
                "--port" => o with { Port = flags.Int(min: 1, max: 65535) },
                "--server-pid" => o with { ServerPid = flags.Int(min: 0) },
                "--rabbitmq-queue" => o with { RabbitMqQueue = ParseQueueType(flags.Value()) },
                "--n" => o with { N = flags.Int(min: 1) },
                "--payload" => o with { PayloadSize = flags.Int(min: BenchPayload.MinSize) },
                // RabbitMQ's prefetch count is 16 bits; a window of 0 would never deliver.
                "--window" => o with { Window = flags.Int(min: 1, max: 65535) },
                "--pub-window" => o with { PubWindow = flags.Int(min: 1) },
                "--live-rate" => o with { LiveRate = flags.Int(min: 0) },
                "--fanout-subs" => o with { FanoutConsumers = flags.Int(min: 1) },
                "--fanout-n" => o with { FanoutN = flags.Int(min: 1) },
                "--reps" => o with { Reps = flags.Int(min: 1) },
                "--modes" => o with { Modes = ParseModes(flags.Value()) },
                "--warmup" => o with { Warmup = flags.Int(min: 0) },
                "--warmup-s" => o with { WarmupS = flags.Int(min: 0) },
                "--timeout-s" => o with { TimeoutS = flags.Int(min: 1) },
                "--quiet-wait-s" => o with { QuietWaitS = flags.Int(min: 0) },
                "--json" => o with { Json = true },
                "--tsv" => o with { Tsv = flags.Value() },
                _ => throw flags.Unknown(),
            };
        }
        if (!o.BrokerGiven) throw new ArgumentException("--broker is required: nats, redis or rabbitmq");
        if (o.RabbitMqQueue != "classic" && o.Broker != BrokerKind.RabbitMq) throw new ArgumentException("--rabbitmq-queue only applies to --broker rabbitmq");
        return o.Port == 0 ? o with { Port = DefaultPort(o.Broker) } : o;
    }

    private static BrokerKind ParseBroker(string text) => text.ToLowerInvariant() switch
    {
        "nats" => BrokerKind.Nats,
        "redis" => BrokerKind.Redis,
        "rabbitmq" => BrokerKind.RabbitMq,
        _ => throw new ArgumentException($"--broker takes nats, redis or rabbitmq, not '{text}'"),
    };

    private static string ParseQueueType(string text) => text.ToLowerInvariant() is "classic" or "quorum" ? text.ToLowerInvariant()
        : throw new ArgumentException($"--rabbitmq-queue takes classic or quorum, not '{text}'");

    private static string[] ParseModes(string text)
    {
        var modes = text.ToUpperInvariant().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (modes.Length == 0 || modes.Any(m => m is not ("A" or "B" or "C"))) throw new ArgumentException($"--modes takes A, B and C, not '{text}'");
        return modes;
    }
}
