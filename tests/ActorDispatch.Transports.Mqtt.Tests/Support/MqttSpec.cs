using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.TestSupport;

namespace ActorDispatch.Transports.Mqtt.Tests.Support;

/// <summary>
/// Base of the specs against the real broker (<c>ACTORDISPATCH_TEST_MQTT</c>, Mosquitto 2 in CI):
/// the engine with the <see cref="MqttTransport"/> (<see cref="TransportSpec{TTransport}"/>), with
/// short reconnect delays. Every spec publishes under a topic prefix of its own (<see cref="Prefix"/>),
/// which its <see cref="TestSubscriber"/> subscribes to. With <c>viaGate</c>, the transport reaches
/// the broker through a <see cref="BrokerGate"/>.
/// </summary>
public abstract class MqttSpec : TransportSpec<MqttTransport>
{
    public const string BrokerVariable = "ACTORDISPATCH_TEST_MQTT";
    public const string ControlVariable = "ACTORDISPATCH_TEST_MQTT_CTL";

    private const string Tuning = """
        akka.test.startup-timeout = 30s
        actordispatch.transports.mqtt {
          # The broker is on loopback, which the transport may reach only when allowed.
          egress-allow = "127.0.0.0/8"
          reconnect-initial-delay = 100ms
          reconnect-max-delay = 1s
          publish-timeout = 10s
        }
        """;

    protected MqttSpec(ITestOutputHelper output, BrokerGate? gate = null, string? hocon = null)
        : base(output, new MqttTransport(new MqttTransportOptions
        {
            LoggerFactory = new TestOutputLoggerFactory(output, MqttTransport.TransportName),
            // Unset: a port nothing listens on, so that the engine starts and the spec can skip itself.
            Server = gate?.Server ?? Broker ?? "127.0.0.1:9",
        }), Tuning, hocon)
    {
        Gate = gate;
    }

    /// <summary>The real broker, or null when the variable is unset.</summary>
    public static string? Broker => Environment.GetEnvironmentVariable(BrokerVariable) is { Length: > 0 } b ? b : null;

    protected BrokerGate? Gate { get; }

    protected override string DefaultSubscription => "mq";

    /// <summary>This spec's own topic level, so that specs never see each other's messages.</summary>
    protected string Prefix { get; } = $"adtest/{Guid.NewGuid():N}";

    protected static void SkipWithoutBroker() => Skip.If(Broker is null, $"skipped: {BrokerVariable} is not set (.ci/run sets it)");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Gate is not null) await Gate.DisposeAsync();
    }

    protected Task<TestSubscriber> SubscriberAsync(MQTTnet.Protocol.MqttQualityOfServiceLevel qos = MQTTnet.Protocol.MqttQualityOfServiceLevel.ExactlyOnce) =>
        TestSubscriber.StartAsync(Broker!, Prefix + "/#", qos);

    /// <summary>
    /// Creates an mqtt subscription from <paramref name="transportOptions"/> (JSON; <c>{prefix}</c> is
    /// replaced by <see cref="Prefix"/>) starting at the oldest event. Without a topic, the topic is
    /// <c>{prefix}/{namespace}/{topic}</c>.
    /// </summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions = "{}", int readAhead = 0, bool? withData = null, string name = "mq") =>
        CreateSubscriptionAsync(Options(transportOptions) with { ReadAhead = readAhead, WithData = withData }, name);

    protected SubscriptionOptions Options(string json)
    {
        var transport = TransportOptions(json.Replace("{prefix}", Prefix, StringComparison.Ordinal));
        if (!transport.ContainsKey("topic")) transport = transport.Add("topic", JsonSerializer.SerializeToElement(Prefix + "/{namespace}/{topic}"));
        return new SubscriptionOptions { Transport = transport };
    }

    protected Task AwaitConnectedAsync(TimeSpan? within = null) =>
        AwaitAssertAsync(() => Assert.NotNull(Transport.ConnectionId), within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(20));

    /// <summary>Runs the broker's control script (<c>kill</c>, <c>stop</c>, <c>start</c>).</summary>
    protected static async Task BrokerControlAsync(string command)
    {
        var script = Environment.GetEnvironmentVariable(ControlVariable)!;
        using var process = Process.Start(new ProcessStartInfo(script, command) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"{script} {command} exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
    }
}
