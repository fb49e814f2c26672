using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace ActorDispatch.TestSupport;

/// <summary>
/// Base of a transport's end-to-end specs: the engine with one real transport on a fresh SQLite file,
/// with short commit intervals and rewind pauses; events are appended and subscriptions created
/// through <see cref="IActorDispatch"/>. A transport's base adds its settings (<c>tuning</c>, e.g.
/// the loopback egress allowance), what it talks to (a receiver, a broker) and its own helpers.
/// </summary>
public abstract class TransportSpec<TTransport> : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
    where TTransport : IEventTransport, IAsyncDisposable
{
    public const string Ns = "default";

    /// <summary>The engine's side of the tuning: commits, polls and rewinds within a test's patience.</summary>
    public static readonly Config EngineTuning = ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
        }
        akka.loglevel = INFO
        """);

    /// <param name="output">The test's output.</param>
    /// <param name="transport">The transport under test, disposed after the spec.</param>
    /// <param name="tuning">The transport's HOCON under <paramref name="hocon"/> and over <see cref="EngineTuning"/>.</param>
    /// <param name="hocon">A spec's own HOCON over everything else, or null.</param>
    protected TransportSpec(ITestOutputHelper output, TTransport transport, string tuning, string? hocon)
        : base(Setup(transport, tuning, hocon), transport.Name, output)
    {
        Transport = transport;
        Engine = ActorDispatchEngine.Get(Sys);
    }

    protected TTransport Transport { get; }

    protected IActorDispatch Engine { get; }

    /// <summary>The subscription <c>SubscribeAsync</c> creates and <see cref="OffsetAsync"/> reads unless named.</summary>
    protected abstract string DefaultSubscription { get; }

    /// <summary>How long <see cref="AwaitOffsetAsync"/> waits unless told.</summary>
    protected virtual TimeSpan OffsetPatience => TimeSpan.FromSeconds(20);

    public virtual async Task InitializeAsync() => await ((ActorDispatchEngine)Engine).Ready;

    public virtual async Task DisposeAsync() => await Transport.DisposeAsync();

    private static ActorSystemSetup Setup(TTransport transport, string tuning, string? hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), $"actordispatch-{transport.Name}-tests", $"{Guid.NewGuid():N}.db");
        var config = (hocon is null ? Config.Empty : ConfigurationFactory.ParseString(hocon))
            .WithFallback(ConfigurationFactory.ParseString(tuning))
            .WithFallback(EngineTuning)
            .WithFallback(StorageConfig.Sqlite(path))
            .WithFallback(ActorDispatchConfig.Reference);
        return BootstrapSetup.Create().WithConfig(config).And(new ActorDispatchSetup([transport]));
    }

    /// <summary>Creates a subscription of this transport with <paramref name="options"/>, starting at the oldest event.</summary>
    protected Task<Subscription> CreateSubscriptionAsync(SubscriptionOptions options, string? name) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name ?? DefaultSubscription,
            Transport = Transport.Name,
            Options = options with { FirstEvent = "oldest" },
        });

    /// <summary>Transport options from the JSON object <paramref name="json"/>.</summary>
    protected static ImmutableSortedDictionary<string, JsonElement> TransportOptions(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);

    protected static NewEvent NewEvent(int n, string type = "order_created", string? topic = "orders", object? data = null) => new()
    {
        Type = type,
        Topic = topic,
        Data = JsonSerializer.SerializeToElement(data ?? new { n }),
    };

    /// <summary>Appends events with data <c>{"n": first..first+count-1}</c> (sequences 1..count on a fresh log).</summary>
    protected Task<IReadOnlyList<Event>> AppendAsync(int count, int first = 1) =>
        Engine.AppendAsync(Ns, Enumerable.Range(first, count).Select(n => NewEvent(n)).ToArray());

    protected async Task<long> OffsetAsync(string? name = null) =>
        (await Engine.GetSubscriptionStatusAsync(Ns, name ?? DefaultSubscription)).CurrentOffset;

    protected Task AwaitOffsetAsync(long offset, string? name = null, TimeSpan? within = null) =>
        AwaitAssertAsync(async () => Assert.Equal(offset, await OffsetAsync(name)), within ?? OffsetPatience, TimeSpan.FromMilliseconds(50));
}
