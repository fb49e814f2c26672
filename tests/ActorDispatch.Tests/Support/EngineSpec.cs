using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Model;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorDispatch.Tests.Support;

/// <summary>
/// Base for engine specs: a fresh store per test (SQLite or PostgreSQL: each spec runs on both
/// through thin subclasses), the engine with a <see cref="ProbeTransport"/> whose deliveries arrive
/// at <see cref="Deliveries"/>, and short commit and poll intervals.
/// </summary>
public abstract class EngineSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    public const string Ns = "default";

    public static readonly Config TestTuning = ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
          page-size = 100
        }
        # Short, so that a retried assertion never waits on a message lost to a restarting actor.
        actordispatch.ask-timeout = 3s
        # Each spec starts an actor system; on a loaded 2-core machine the test actor can take a while.
        akka.test.startup-timeout = 30s
        akka.loglevel = INFO
        """);

    protected EngineSpec(ITestOutputHelper output, StoreKind store, Config? extra = null)
        : this(output, TestStore.Create(store), extra)
    {
    }

    private EngineSpec(ITestOutputHelper output, TestStore store, Config? extra)
        : base(Compose(store.Config, extra), "spec", output)
    {
        Store = store;
        Deliveries = CreateTestProbe("deliveries");
        Transport = new ProbeTransport(Deliveries);
        Engine = new ActorDispatchEngine(Sys, [Transport]);
    }

    public static Config Compose(Config storage, Config? extra) =>
        (extra ?? Config.Empty)
            .WithFallback(TestTuning)
            .WithFallback(storage)
            .WithFallback(ActorDispatchConfig.Reference);

    // A fresh actor system's first call starts the catalog and opens the store (tables, recovery,
    // code compiled for the first time), which on a loaded machine can outlast the short ask timeout
    // above. It is waited for here, once, so that no spec's first call pays for it.
    public virtual async Task InitializeAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await Engine.ListSubscriptionsAsync(Ns);
                return;
            }
            catch (ActorDispatchException e) when (e.Kind == ErrorKind.Unavailable && DateTime.UtcNow < deadline)
            {
            }
        }
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Store.Dispose();
    }

    protected TestStore Store { get; }

    protected TestProbe Deliveries { get; }

    protected ProbeTransport Transport { get; }

    protected ActorDispatchEngine Engine { get; }

    protected static NewEvent NewEvent(string type = "order_created", string? topic = "orders", object? data = null, string? tag = null, string? author = null) =>
        new()
        {
            Type = type,
            Topic = topic,
            Tag = tag,
            Author = author,
            Data = JsonSerializer.SerializeToElement(data ?? new { n = 1 }),
        };

    protected async Task<IReadOnlyList<Event>> AppendManyAsync(int count, Func<int, NewEvent>? make = null)
    {
        var events = Enumerable.Range(0, count).Select(i => make?.Invoke(i) ?? NewEvent(data: new { n = i })).ToArray();
        return await Engine.AppendAsync(Ns, events);
    }

    protected Task<Subscription> CreateSubscriptionAsync(string name, string firstEvent = "oldest", int readAhead = 0,
        SubscriptionFilter? filter = null, SubscriptionOptions? options = null, string transport = "probe") =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name,
            Transport = transport,
            Filter = filter ?? SubscriptionFilter.Empty,
            Options = (options ?? SubscriptionOptions.Empty) with { FirstEvent = firstEvent, ReadAhead = readAhead },
        });

    /// <summary>Registers a probe connection that serves the named subscriptions.</summary>
    protected string Connect(params string[] names)
    {
        var id = $"conn-{Guid.NewGuid():N}";
        Transport.Callbacks.RegisterConnection(id, s => names.Contains(s.Name));
        return id;
    }

    protected ProbeTransport.Delivered ExpectDelivery(long sequence, TimeSpan? within = null)
    {
        var d = Deliveries.ExpectMsg<ProbeTransport.Delivered>(within ?? TimeSpan.FromSeconds(10));
        Assert.Equal(sequence, d.Event.Sequence);
        return d;
    }

    protected async Task<long> CommittedOffsetAsync(string name) => (await Engine.GetSubscriptionStatusAsync(Ns, name)).CurrentOffset;

    protected Task AwaitOffsetAsync(string name, long offset) =>
        AwaitAssertAsync(async () => Assert.Equal(offset, await CommittedOffsetAsync(name)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
}

/// <summary>Unique SQLite files under the temp directory, one per test.</summary>
public static class TempDatabase
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "actordispatch-tests");

    public static string NewPath() => Path.Combine(Root, $"{Guid.NewGuid():N}.db");
}
