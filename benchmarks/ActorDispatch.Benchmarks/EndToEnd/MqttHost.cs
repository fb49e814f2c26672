using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorDispatch.Model;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The server with its <c>mqtt</c> transport, publishing to the MQTT broker of
/// <c>ACTORDISPATCH_BENCH_MQTT</c> (else <c>ACTORDISPATCH_TEST_MQTT</c>; <c>host:port</c> on
/// loopback) at the subscription's <c>qos</c> (<c>--mqtt-qos</c>, default 1: a delivery is acked
/// on the broker's PUBACK). Each subscription publishes to a topic of its own, which an MQTTnet
/// client of this process (its own connection, MQTT 5, clean start) subscribes to at the same QoS
/// before the subscription exists, feeding a <see cref="WebhookSink"/>: the payloads are the event
/// data (<c>withData</c>), so latency is publish to receipt.
/// </summary>
internal sealed class MqttHost : IE2eHost
{
    public const string ServerVariable = "ACTORDISPATCH_BENCH_MQTT";

    private readonly ServerHost _server;
    private readonly IMqttClient _client;
    private readonly TransportVariant _variant;
    private readonly int _qos;

    // Messages arrive on one client for every topic: the topic picks the subscription's sink.
    private readonly ConcurrentDictionary<string, WebhookSink> _sinks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WebhookSink> _byName = new(StringComparer.Ordinal);

    private MqttHost(ServerHost server, IMqttClient client, TransportVariant variant, int qos)
    {
        _server = server;
        _client = client;
        _variant = variant;
        _qos = qos;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var received = Stopwatch.GetTimestamp();
            if (!_sinks.TryGetValue(e.ApplicationMessage.Topic, out var sink)) return Task.CompletedTask;
            try
            {
                using var body = JsonDocument.Parse(e.ApplicationMessage.Payload);
                sink.Receive(body.RootElement, received);
            }
            catch (JsonException ex)
            {
                sink.Fail(ex);
            }
            return Task.CompletedTask;
        };
    }

    public IActorDispatch Engine => _server.Engine;

    /// <summary>The broker as <c>host:port</c>, or an error saying which variable to set.</summary>
    public static string Broker =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("ACTORDISPATCH_TEST_MQTT") is { Length: > 0 } test ? test
        : throw new ArgumentException($"--transport mqtt needs an MQTT broker on loopback: set {ServerVariable} (e.g. 127.0.0.1:1883)");

    public static async Task<MqttHost> StartAsync(string name, TransportVariant variant, int qos, CancellationToken ct)
    {
        var broker = Broker;
        var separator = broker.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(broker.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new ArgumentException($"{ServerVariable} must be host:port, not '{broker}'");
        var server = await ServerHost.StartAsync(name, ct, $"--ActorDispatch:Transports:Mqtt:Server={broker}");
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(broker[..separator], port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId($"actordispatch-bench-consumer-{Guid.NewGuid():N}")
                .WithCleanStart(true)
                // The broker sends as it receives instead of holding QoS 1/2 messages for a window of acks.
                .WithReceiveMaximum(ushort.MaxValue)
                .Build();
            await client.ConnectAsync(options, ct);
            return new MqttHost(server, client, variant, qos);
        }
        catch
        {
            client.Dispose();
            await server.DisposeAsync();
            throw;
        }
    }

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => Engine.AppendAsync(IE2eHost.Namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) =>
        (await Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection;

    /// <summary>Subscribes to the subscription's topic before the subscription exists: the transport publishes at once, and the broker drops what nobody subscribed to.</summary>
    public async Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct)
    {
        var topic = $"ad-bench/{name}-{Guid.NewGuid():N}";
        var sink = new WebhookSink(expected);
        _sinks[topic] = sink;
        _byName[name] = sink;
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, (MqttQualityOfServiceLevel)_qos).Build(), ct);
        await Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "mqtt",
            Options = new SubscriptionOptions
            {
                FirstEvent = firstEvent,
                ReadAhead = _variant.ReadAhead,
                WithData = true,
                Transport = ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal)
                    .Add("topic", JsonSerializer.SerializeToElement(topic))
                    .Add("qos", JsonSerializer.SerializeToElement(_qos)),
            },
        }, ct);
    }

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct)
    {
        var sink = _byName[name];
        if (sink.Expected != expected) throw new InvalidOperationException($"{name} was created for {sink.Expected} events, not {expected}");
        return sink.Completion.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        // The server first: it stops publishing before the consumer goes.
        await _server.DisposeAsync();
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker went away first; nothing is left to close.
        }
        _client.Dispose();
    }
}
