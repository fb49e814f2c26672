using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Mqtt.Tests.Support;

/// <summary>
/// Base of the specs against the real broker (<c>ACTORDISPATCH_TEST_MQTT</c>, Mosquitto 2 in CI):
/// the engine with the <see cref="MqttTransport"/> on a fresh SQLite file, with short commit
/// intervals, rewind pauses and reconnect delays. Every spec publishes under a topic prefix of its
/// own (<see cref="Prefix"/>), which its <see cref="TestSubscriber"/> subscribes to. With
/// <c>viaGate</c>, the transport reaches the broker through a <see cref="BrokerGate"/>.
/// </summary>
public abstract class MqttSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    public const string Ns = "default";
    public const string BrokerVariable = "ACTORDISPATCH_TEST_MQTT";
    public const string ControlVariable = "ACTORDISPATCH_TEST_MQTT_CTL";

    private static readonly Config Tuning = ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
        }
        akka.loglevel = INFO
        akka.test.startup-timeout = 30s
        actordispatch.transports.mqtt {
          # The broker is on loopback, which the transport may reach only when allowed.
          egress-allow = "127.0.0.0/8"
          reconnect-initial-delay = 100ms
          reconnect-max-delay = 1s
          publish-timeout = 10s
        }
        """);

    protected MqttSpec(ITestOutputHelper output, BrokerGate? gate = null, string? hocon = null)
        : this(output, new MqttTransport(new MqttTransportOptions
        {
            LoggerFactory = new TestOutputLoggerFactory(output),
            // Unset: a port nothing listens on, so that the engine starts and the spec can skip itself.
            Server = gate?.Server ?? Broker ?? "127.0.0.1:9",
        }), gate, hocon)
    {
    }

    private MqttSpec(ITestOutputHelper output, MqttTransport transport, BrokerGate? gate, string? hocon)
        : base(Setup(transport, hocon), "mqtt", output)
    {
        Transport = transport;
        Gate = gate;
        Engine = ActorDispatchEngine.Get(Sys);
    }

    /// <summary>The real broker, or null when the variable is unset.</summary>
    public static string? Broker => Environment.GetEnvironmentVariable(BrokerVariable) is { Length: > 0 } b ? b : null;

    protected MqttTransport Transport { get; }

    protected BrokerGate? Gate { get; }

    protected IActorDispatch Engine { get; }

    /// <summary>This spec's own topic level, so that specs never see each other's messages.</summary>
    protected string Prefix { get; } = $"adtest/{Guid.NewGuid():N}";

    protected static void SkipWithoutBroker() => Skip.If(Broker is null, $"skipped: {BrokerVariable} is not set (.ci/run sets it)");

    public async Task InitializeAsync() => await ((ActorDispatchEngine)Engine).Ready;

    public async Task DisposeAsync()
    {
        await Transport.DisposeAsync();
        if (Gate is not null) await Gate.DisposeAsync();
    }

    private static ActorSystemSetup Setup(MqttTransport transport, string? hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), "actordispatch-mqtt-tests", $"{Guid.NewGuid():N}.db");
        var config = (hocon is null ? Config.Empty : ConfigurationFactory.ParseString(hocon))
            .WithFallback(Tuning)
            .WithFallback(StorageConfig.Sqlite(path))
            .WithFallback(ActorDispatchConfig.Reference);
        return BootstrapSetup.Create().WithConfig(config).And(new ActorDispatchSetup([transport]));
    }

    protected Task<TestSubscriber> SubscriberAsync(MQTTnet.Protocol.MqttQualityOfServiceLevel qos = MQTTnet.Protocol.MqttQualityOfServiceLevel.ExactlyOnce) =>
        TestSubscriber.StartAsync(Broker!, Prefix + "/#", qos);

    /// <summary>
    /// Creates an mqtt subscription from <paramref name="transportOptions"/> (JSON; <c>{prefix}</c> is
    /// replaced by <see cref="Prefix"/>) starting at the oldest event. Without a topic, the topic is
    /// <c>{prefix}/{namespace}/{topic}</c>.
    /// </summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions = "{}", int readAhead = 0, bool? withData = null, string name = "mq") =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name,
            Transport = MqttTransport.TransportName,
            Options = Options(transportOptions) with { FirstEvent = "oldest", ReadAhead = readAhead, WithData = withData },
        });

    protected SubscriptionOptions Options(string json)
    {
        var text = json.Replace("{prefix}", Prefix, StringComparison.Ordinal);
        var transport = JsonDocument.Parse(text).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        if (!transport.ContainsKey("topic")) transport = transport.Add("topic", JsonSerializer.SerializeToElement(Prefix + "/{namespace}/{topic}"));
        return new SubscriptionOptions { Transport = transport };
    }

    protected static NewEvent NewEvent(int n, string type = "order_created", string? topic = "orders") => new()
    {
        Type = type,
        Topic = topic,
        Data = JsonSerializer.SerializeToElement(new { n }),
    };

    /// <summary>Appends events with data <c>{"n": first..first+count-1}</c>.</summary>
    protected Task<IReadOnlyList<Event>> AppendAsync(int count, int first = 1) =>
        Engine.AppendAsync(Ns, Enumerable.Range(first, count).Select(n => NewEvent(n)).ToArray());

    protected async Task<long> OffsetAsync(string name = "mq") => (await Engine.GetSubscriptionStatusAsync(Ns, name)).CurrentOffset;

    protected Task AwaitOffsetAsync(long offset, string name = "mq", TimeSpan? within = null) =>
        AwaitAssertAsync(async () => Assert.Equal(offset, await OffsetAsync(name)), within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));

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
