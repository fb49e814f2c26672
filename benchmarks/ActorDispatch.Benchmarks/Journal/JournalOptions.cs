using ActorDispatch.Benchmarks.Shared;
using Akka.Configuration;

namespace ActorDispatch.Benchmarks.Journal;

/// <summary>The bare-journal workload: the same events and store as the end-to-end append.</summary>
internal sealed record JournalOptions
{
    public int N { get; init; } = 100_000;
    public int PayloadSize { get; init; } = 256;
    public int BatchSize { get; init; } = 100;
    public int BatchesOutstanding { get; init; } = 10;
    public int PubWindow { get; init; } = 1000;
    public int Reps { get; init; } = 3;
    public int Warmup { get; init; } = 20_000;
    public int TimeoutS { get; init; } = 300;
    public int QuietWaitS { get; init; } = 30;
    public bool Json { get; init; }

    /// <summary>A PostgreSQL server to measure on (a fresh database per repetition), or null for SQLite.</summary>
    public string? Postgres { get; init; } = StoreActorSystem.DefaultPostgres;

    /// <summary>HOCON over the engine's and the store's settings, e.g. <c>actordispatch.dispatch.poll-interval = 60s</c>.</summary>
    public string ConfigText { get; init; } = "";

    public Config Config => ConfigurationFactory.ParseString(ConfigText);

    public const string Usage = """
        ActorDispatch.Benchmarks journal — a bare ReceivePersistentActor on the engine's SQLite config.

          --n N                  events per measurement [100000]
          --payload BYTES        size of each event (the engine's JSON data, as bytes) [256]
          --batch-size B         events per PersistAllAsync [100]
          --batches K            PersistAllAsync calls outstanding [10]
          --pub-window P         PersistAsync calls outstanding, one event each [1000]
          --reps R               repetitions [3]
          --warmup N             events of an unrecorded pass of each pattern first; 0 = none [20000]
          --timeout-s S          limit for each measurement [300]
          --quiet-wait-s S       before each measurement, wait up to S s until other processes
                                 use < 10% of all cores; 0 = don't wait [30]
          --store sqlite|postgres  the store [sqlite]; postgres needs --postgres or ACTORDISPATCH_BENCH_POSTGRES
          --postgres CONN        a PostgreSQL server's connection string; implies --store postgres
          --config HOCON         settings over the store's defaults, e.g.
                                 "actordispatch.storage.sqlite.batch-size = 500"
          --json                 end stdout with one JSON object of the medians
        """;

    public static JournalOptions Parse(string[] args)
    {
        var o = new JournalOptions();
        var flags = new Flags(args);
        while (flags.MoveNext())
        {
            o = flags.Current switch
            {
                "--n" => o with { N = flags.Int(min: 1) },
                "--payload" => o with { PayloadSize = flags.Int(min: 1) },
                "--batch-size" => o with { BatchSize = flags.Int(min: 1) },
                "--batches" => o with { BatchesOutstanding = flags.Int(min: 1) },
                "--pub-window" => o with { PubWindow = flags.Int(min: 1) },
                "--reps" => o with { Reps = flags.Int(min: 1) },
                "--warmup" => o with { Warmup = flags.Int(min: 0) },
                "--timeout-s" => o with { TimeoutS = flags.Int(min: 1) },
                "--quiet-wait-s" => o with { QuietWaitS = flags.Int(min: 0) },
                "--json" => o with { Json = true },
                "--postgres" => o with { Postgres = flags.Value() },
                "--store" => o with { Postgres = StoreActorSystem.ForStore(flags.Value(), o.Postgres) },
                "--config" => o with { ConfigText = flags.Hocon() },
                _ => throw flags.Unknown(),
            };
        }
        if (o.PayloadSize < BenchPayload.MinSize) throw new ArgumentException($"--payload must be at least {BenchPayload.MinSize} bytes");
        return o;
    }
}
