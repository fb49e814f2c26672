using System.Text.Json.Nodes;
using ActorDispatch.Benchmarks.Shared;
using Akka.Actor;

namespace ActorDispatch.Benchmarks.Journal;

/// <summary>
/// What the raw journal sustains on this machine, for "append within 80% of the raw journal": the
/// same payloads written by a bare persistent actor, batched (<c>PersistAllAsync</c>) and one per
/// call (<c>PersistAsync</c>), each repetition on a fresh SQLite file.
/// </summary>
internal sealed class JournalRunner(JournalOptions o)
{
    private sealed record Pattern(string Key, string Label, int EventsPerCall, int MaxCallsOutstanding)
    {
        public Metric Rate => new(Key, Label, "rows/s", "N0");

        public Metric Foreign => new($"{Key}.foreign", $"{Label}: other processes' CPU", "% all cores", "F0");

        public JournalWriter.Write Write(int count) => new(count, EventsPerCall, MaxCallsOutstanding);
    }

    private readonly BenchPayload _payload = new(o.PayloadSize);
    private readonly Results _results = new("sqlite journal");

    private Pattern[] Patterns =>
    [
        new("persist_all", $"PersistAllAsync x{o.BatchSize}, {o.BatchesOutstanding} outstanding", o.BatchSize, o.BatchesOutstanding),
        new("persist_async", $"PersistAsync x1, {o.PubWindow} outstanding", 1, o.PubWindow),
    ];

    public async Task<int> RunAsync()
    {
        _results.Note($"workload: N={o.N} payload={o.PayloadSize}B (byte[]) reps={o.Reps}; store: {StoreActorSystem.Describe(o.Postgres)}, the engine's journal settings");
        if (o.ConfigText != "") _results.Note($"config overrides: {o.ConfigText}");
        Progress.Log($"journal: N={o.N} payload={o.PayloadSize}B");

        if (o.Warmup > 0)
        {
            foreach (var pattern in Patterns) await MeasureAsync(pattern.Write(o.Warmup));
            Progress.Log($"warm-up done ({o.Warmup} events per pattern, not recorded)");
        }

        var failures = 0;
        for (var rep = 1; rep <= o.Reps; rep++)
        {
            foreach (var pattern in Patterns)
            {
                var label = $"rep {rep}/{o.Reps}: {pattern.Label}";
                await CpuMeter.WaitForQuietAsync(TimeSpan.FromSeconds(o.QuietWaitS));
                var cpu = CpuMeter.Take();
                try
                {
                    var rate = (await MeasureAsync(pattern.Write(o.N))).Rate(o.N);
                    _results.Add(pattern.Rate.Key, rate);
                    var foreign = CpuMeter.ForeignPercent(cpu, CpuMeter.Take());
                    if (foreign is { } f) _results.Add(pattern.Foreign.Key, f);
                    Progress.Log($"{label}: {rate:N0} rows/s (other processes used {foreign:F0}% of all cores)");
                }
                catch (Exception e)
                {
                    failures++;
                    _results.Note($"FAILED: {label}: {e.GetType().Name}: {e.Message}");
                    Progress.Log($"{label} FAILED: {e}");
                }
            }
        }

        Console.WriteLine();
        Console.Write(_results.Render(Patterns.SelectMany(p => new[] { p.Rate, p.Foreign })));
        if (o.Json)
        {
            Console.WriteLine(new JsonObject
            {
                ["journal_persist_all"] = Round(_results.Median("persist_all")),
                ["journal_persist_async"] = Round(_results.Median("persist_async")),
            }.ToJsonString());
        }
        return failures == 0 ? 0 : 1;
    }

    private async Task<Interval> MeasureAsync(JournalWriter.Write write)
    {
        await using var store = StoreActorSystem.Create("journal", o.Config, o.Postgres);
        var writer = store.System.ActorOf(JournalWriter.Props(_payload), "writer");
        var written = await writer.Ask<JournalWriter.Written>(write, TimeSpan.FromSeconds(o.TimeoutS));
        return written.Span;
    }

    private static JsonNode? Round(double? value) => value is { } v ? JsonValue.Create(Math.Round(v)) : null;
}
