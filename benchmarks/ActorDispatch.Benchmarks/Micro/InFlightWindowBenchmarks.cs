using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The in-flight window (<c>DispatcherActor</c>) on the real engine: a fresh durable subscription
/// from <c>oldest</c> consumes and acks a backlog of 50,000 events of 256 bytes through the
/// in-process <c>system</c> transport, from the journal pages through the stream's chunks and at
/// most <c>1 + readAhead</c> deliveries in flight to the committed offset; per event. The store is
/// a SQLite file (read from the page cache after the set-up), not the in-memory journal: the engine
/// reads backlogs with Akka.Persistence.Sql's read journal (<c>EventReader</c>), which cannot see
/// what the in-memory journal holds, so the figures include the page reads. 50,000 events keep an
/// iteration (one invocation, as <c>IterationCleanup</c> implies) above BenchmarkDotNet's 100 ms
/// minimum at the widest window.
/// </summary>
public class InFlightWindowBenchmarks
{
    private const int Events = 50_000;
    private const int EventsPerAppend = 100;
    private const string Namespace = "bench";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    // Tiered JIT promotes the engine's hot methods on a timer, as the e2e runner's warm-up notes:
    // after the short job's three warm-up invocations they still ran at tier 0, two to three times
    // slower, and the step to full speed came only 5 to 7 s into consuming.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    private readonly List<string> _subscriptions = [];
    private StoreActorSystem _store = null!;
    private IActorDispatch _engine = null!;
    private int _created;

    /// <summary>The subscription's <c>readAhead</c>: deliveries unanswered beyond the first.</summary>
    [Params(0, 10, 100, 1000)]
    public int ReadAhead { get; set; }

    /// <summary>
    /// Appends the backlog once, 100 events per append (one journal entry each), then consumes it
    /// for <see cref="WarmUp"/> unmeasured.
    /// </summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _store = StoreActorSystem.Create($"window-{ReadAhead}", Config.Empty, postgres: null);
        _engine = ActorDispatchEngine.Get(_store.System);
        var payload = new BenchPayload(256);
        for (var first = 1; first <= Events; first += EventsPerAppend)
        {
            var events = Enumerable.Range(first, EventsPerAppend)
                .Select(i => new NewEvent { Type = "order_created", Topic = "orders", Data = payload.Create(i, Stopwatch.GetTimestamp()) })
                .ToArray();
            await _engine.AppendAsync(Namespace, events);
        }
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < WarmUp) await ConsumeBacklog();
        DeleteSubscriptions();
    }

    /// <summary>Deleted after the iteration, so that leftover subscriptions do not pile up in the engine.</summary>
    [IterationCleanup]
    public void DeleteSubscriptions()
    {
        foreach (var name in _subscriptions) _engine.DeleteSubscriptionAsync(Namespace, name).GetAwaiter().GetResult();
        _subscriptions.Clear();
    }

    [GlobalCleanup]
    public Task CleanupAsync() => _store.DisposeAsync().AsTask();

    /// <summary>Creates the subscription, acks every delivery in order, and returns the committed offset once it reaches the head.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task<long> ConsumeBacklog()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var name = $"window-{++_created}";
        _subscriptions.Add(name);
        await _engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Namespace,
            Name = name,
            Transport = "system",
            Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = ReadAhead },
        }, timeout.Token);

        var expected = 1L;
        await foreach (var delivery in _engine.ListenAsync(Namespace, name, timeout.Token))
        {
            if (delivery.Event.Sequence != expected)
                throw new InvalidOperationException($"{name}: event {delivery.Event.Sequence} arrived, {expected} was due");
            await delivery.AckAsync();
            if (expected++ == Events) return await CommittedAsync(name, timeout.Token);
        }
        throw new InvalidOperationException($"{name}: the subscription ended after {expected - 1} of {Events} events");
    }

    // Acks are one-way: the last may still be on its way to the dispatcher when the status is asked.
    private async Task<long> CommittedAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await _engine.GetSubscriptionStatusAsync(Namespace, name, cancellationToken);
            if (status.CurrentOffset >= Events) return status.CurrentOffset;
        }
    }
}
