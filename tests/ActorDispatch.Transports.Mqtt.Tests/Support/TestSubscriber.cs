using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Tests.Support;

/// <summary>One message as the test's subscriber received it.</summary>
public sealed record ReceivedMessage(string Topic, string Payload, MqttQualityOfServiceLevel Qos, bool Retain, string? ContentType,
    IReadOnlyDictionary<string, string> UserProperties)
{
    /// <summary>The <c>n</c> of the event data <c>{"n": ..}</c> the specs append.</summary>
    public long Number => JsonDocument.Parse(Payload).RootElement.GetProperty("n").GetInt64();
}

/// <summary>
/// An MQTTnet client in the test, subscribed to one topic filter on the real broker, collecting what
/// arrives. <see cref="ReconnectAsync"/> connects again and subscribes again (after a broker restart
/// the broker has no session of it: with kill, mosquitto saves none).
/// </summary>
public sealed class TestSubscriber : IAsyncDisposable
{
    private readonly (string Host, int Port) _broker;
    private readonly string _filter;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly List<ReceivedMessage> _received = [];

    private TestSubscriber((string, int) broker, string filter, MqttQualityOfServiceLevel qos)
    {
        _broker = broker;
        _filter = filter;
        _qos = qos;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            var properties = (m.UserProperties ?? []).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => System.Text.Encoding.UTF8.GetString(g.First().ValueBuffer.Span));
            lock (_received) _received.Add(new ReceivedMessage(m.Topic, m.ConvertPayloadToString(), m.QualityOfServiceLevel, m.Retain, m.ContentType, properties));
            return Task.CompletedTask;
        };
    }

    public static async Task<TestSubscriber> StartAsync(string broker, string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.ExactlyOnce)
    {
        var (host, port) = MqttSettings.ParseServer(broker, MqttSettings.DefaultPort) ?? throw new ArgumentException(broker);
        var subscriber = new TestSubscriber((host, port), filter, qos);
        await subscriber.ReconnectAsync();
        return subscriber;
    }

    public IReadOnlyList<ReceivedMessage> Received
    {
        get
        {
            lock (_received) return _received.ToList();
        }
    }

    /// <summary>Connects (a clean session) and subscribes, retrying for a while: the broker may be starting.</summary>
    public async Task ReconnectAsync()
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_broker.Host, _broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"adtest-sub-{Guid.NewGuid():N}")
            .WithCleanStart(true)
            // The broker writes each message at once instead of holding it for an ack window.
            .WithReceiveMaximum(ushort.MaxValue)
            .Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                if (_client.IsConnected) await _client.DisconnectAsync();
                await _client.ConnectAsync(options);
                await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, _qos).Build());
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived; returns them all.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForAsync(int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var received = Received;
            if (received.Count >= count) return received;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{received.Count} of {count} messages arrived on {_filter}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the distinct <c>n</c>s received cover 1..<paramref name="count"/>; returns every message received.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForDistinctAsync(int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var received = Received;
            var distinct = received.Select(m => m.Number).Distinct().Count();
            if (distinct >= count) return received;
            if (DateTime.UtcNow > deadline)
            {
                var missing = Enumerable.Range(1, count).Select(n => (long)n).Except(received.Select(m => m.Number)).Take(20);
                throw new TimeoutException($"{distinct} of {count} distinct events arrived on {_filter}; missing e.g. {string.Join(",", missing)}");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
        }
        catch (Exception)
        {
            // The broker may be down.
        }
        _client.Dispose();
    }
}
