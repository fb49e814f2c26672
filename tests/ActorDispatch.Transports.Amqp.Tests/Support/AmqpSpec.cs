using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Tests.Support;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace ActorDispatch.Transports.Amqp.Tests.Support;

/// <summary>
/// Base of the specs against the real broker, the same as the webhooks specs' base: the engine with
/// the <see cref="AmqpTransport"/> on a fresh SQLite file, short commit intervals and rewind pauses,
/// and a <see cref="TestBroker"/> to declare queues and consume. Specs use [SkippableFact] and
/// <see cref="RequireBroker"/>: without <c>ACTORDISPATCH_TEST_AMQP</c> they are skipped.
/// </summary>
public abstract class AmqpSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    public const string Ns = "default";

    private static readonly Config Tuning = ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
        }
        akka.loglevel = INFO
        # The test broker is on loopback, which the transport may reach only when allowed.
        actordispatch.transports.amqp {
          egress-allow = "127.0.0.0/8"
          reconnect-backoff-min = 100ms
          reconnect-backoff-max = 1s
          confirm-timeout = 5s
          heartbeat = 2s
        }
        """);

    protected AmqpSpec(ITestOutputHelper output, string? hocon = null)
        : this(output, new AmqpTransport(new AmqpTransportOptions { LoggerFactory = new TestOutputLoggerFactory(output), Uri = TestBroker.ConfiguredUri }), hocon)
    {
    }

    private AmqpSpec(ITestOutputHelper output, AmqpTransport transport, string? hocon)
        : base(Setup(transport, hocon), "amqp", output)
    {
        Transport = transport;
        Engine = ActorDispatchEngine.Get(Sys);
    }

    protected AmqpTransport Transport { get; }

    protected IActorDispatch Engine { get; }

    protected TestBroker Broker { get; private set; } = null!;

    /// <summary>Skips the spec when no broker is configured.</summary>
    protected static void RequireBroker() =>
        Skip.If(TestBroker.ConfiguredUri is null, $"skipped: {TestBroker.UriVariable} is not set (.ci/run sets it)");

    public async Task InitializeAsync()
    {
        await ((ActorDispatchEngine)Engine).Ready;
        if (TestBroker.ConfiguredUri is { } uri) Broker = await TestBroker.ConnectAsync(uri);
    }

    public async Task DisposeAsync()
    {
        await Transport.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
    }

    private static ActorSystemSetup Setup(AmqpTransport transport, string? hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), "actordispatch-amqp-tests", $"{Guid.NewGuid():N}.db");
        var config = (hocon is null ? Config.Empty : ConfigurationFactory.ParseString(hocon))
            .WithFallback(Tuning)
            .WithFallback(StorageConfig.Sqlite(path))
            .WithFallback(ActorDispatchConfig.Reference);
        return BootstrapSetup.Create().WithConfig(config).And(new ActorDispatchSetup([transport]));
    }

    /// <summary>Creates an amqp subscription from <paramref name="transportOptions"/> (JSON) starting at the oldest event.</summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions, int readAhead = 0, bool? withData = null, int? maxDeliveries = null, string name = "amqp") =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name,
            Transport = AmqpTransport.TransportName,
            Options = Options(transportOptions) with { FirstEvent = "oldest", ReadAhead = readAhead, WithData = withData, MaxDeliveries = maxDeliveries },
        });

    /// <summary>Options publishing straight to <paramref name="queue"/> through the default exchange.</summary>
    protected static string ToQueue(string queue, string extra = "") => $$"""{"exchange":"","routingKey":"{{queue}}"{{extra}}}""";

    protected static SubscriptionOptions Options(string json) => new()
    {
        Transport = JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
    };

    protected static NewEvent NewEvent(int n, string type = "order_created", string? topic = "orders") => new()
    {
        Type = type,
        Topic = topic,
        Data = JsonSerializer.SerializeToElement(new { n }),
    };

    /// <summary>Appends events with data <c>{"n": first..first+count-1}</c>.</summary>
    protected Task<IReadOnlyList<Event>> AppendAsync(int count, int first = 1) =>
        Engine.AppendAsync(Ns, Enumerable.Range(first, count).Select(n => NewEvent(n)).ToArray());

    /// <summary>The <c>n</c> of a message's body <c>{"n": …}</c>.</summary>
    protected static int NumberOf(ReadOnlyMemory<byte> body) => JsonDocument.Parse(body).RootElement.GetProperty("n").GetInt32();

    protected async Task<long> OffsetAsync(string name = "amqp") => (await Engine.GetSubscriptionStatusAsync(Ns, name)).CurrentOffset;

    protected Task AwaitOffsetAsync(long offset, string name = "amqp", TimeSpan? within = null) =>
        AwaitAssertAsync(async () => Assert.Equal(offset, await OffsetAsync(name)), within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));

    /// <summary>Waits until the transport holds a registered broker connection.</summary>
    protected Task AwaitConnectedAsync(TimeSpan? within = null) =>
        AwaitAssertAsync(() => Assert.NotNull(Transport.ConnectionId), within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
}
