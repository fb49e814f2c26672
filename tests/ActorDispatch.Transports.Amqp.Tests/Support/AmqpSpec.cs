using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.TestSupport;

namespace ActorDispatch.Transports.Amqp.Tests.Support;

/// <summary>
/// Base of the specs against the real broker (<see cref="TransportSpec{TTransport}"/>, as the webhooks
/// specs'): the engine with the <see cref="AmqpTransport"/>, short reconnect pauses and timeouts, and a
/// <see cref="TestBroker"/> to declare queues and consume. Specs use [SkippableFact] and
/// <see cref="RequireBroker"/>: without <c>ACTORDISPATCH_TEST_AMQP</c> they are skipped.
/// </summary>
public abstract class AmqpSpec : TransportSpec<AmqpTransport>
{
    private const string Tuning = """
        # The test broker is on loopback, which the transport may reach only when allowed.
        actordispatch.transports.amqp {
          egress-allow = "127.0.0.0/8"
          reconnect-backoff-min = 100ms
          reconnect-backoff-max = 1s
          confirm-timeout = 5s
          heartbeat = 2s
        }
        """;

    protected AmqpSpec(ITestOutputHelper output, string? hocon = null)
        : base(output, new AmqpTransport(new AmqpTransportOptions
        {
            LoggerFactory = new TestOutputLoggerFactory(output, AmqpTransport.TransportName),
            Uri = TestBroker.ConfiguredUri,
        }), Tuning, hocon)
    {
    }

    protected TestBroker Broker { get; private set; } = null!;

    protected override string DefaultSubscription => "amqp";

    /// <summary>Skips the spec when no broker is configured.</summary>
    protected static void RequireBroker() =>
        Skip.If(TestBroker.ConfiguredUri is null, $"skipped: {TestBroker.UriVariable} is not set (.ci/run sets it)");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (TestBroker.ConfiguredUri is { } uri) Broker = await TestBroker.ConnectAsync(uri);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
    }

    /// <summary>Creates an amqp subscription from <paramref name="transportOptions"/> (JSON) starting at the oldest event.</summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions, int readAhead = 0, bool? withData = null, int? maxDeliveries = null, string name = "amqp") =>
        CreateSubscriptionAsync(Options(transportOptions) with { ReadAhead = readAhead, WithData = withData, MaxDeliveries = maxDeliveries }, name);

    /// <summary>Options publishing straight to <paramref name="queue"/> through the default exchange.</summary>
    protected static string ToQueue(string queue, string extra = "") => $$"""{"exchange":"","routingKey":"{{queue}}"{{extra}}}""";

    protected static SubscriptionOptions Options(string json) => new() { Transport = TransportOptions(json) };

    /// <summary>The <c>n</c> of a message's body <c>{"n": …}</c>.</summary>
    protected static int NumberOf(ReadOnlyMemory<byte> body) => JsonDocument.Parse(body).RootElement.GetProperty("n").GetInt32();

    /// <summary>Waits until the transport holds a registered broker connection.</summary>
    protected Task AwaitConnectedAsync(TimeSpan? within = null) =>
        AwaitAssertAsync(() => Assert.NotNull(Transport.ConnectionId), within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
}
