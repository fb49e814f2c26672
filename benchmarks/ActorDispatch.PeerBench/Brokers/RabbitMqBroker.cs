using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ActorDispatch.PeerBench.Brokers;

/// <summary>
/// RabbitMQ: a durable fanout exchange bound to a durable queue per consumer index (classic, or
/// quorum), persistent messages, and publisher confirms tracked by the client, so that each publish
/// completes on its own basic.ack. A consumer sets basic.qos prefetch W and acks every delivery.
/// </summary>
internal sealed class RabbitMqBroker(int port, string queueType) : IPeerBroker
{
    private const string Exchange = "peerbench";

    // Persistent: delivery mode 2, written to disk by a durable queue before it is confirmed.
    private static readonly BasicProperties Persistent = new() { Persistent = true, ContentType = "application/json" };

    private IConnection? _admin;
    private IChannel? _channel;
    private int _queues;

    public string Name => "rabbitmq";

    private IChannel Channel => _channel ?? throw new InvalidOperationException("not connected");

    private static string Queue(int index) => $"peerbench.q{index}";

    private ConnectionFactory Factory(string name) => new()
    {
        HostName = "127.0.0.1",
        Port = port,
        UserName = "guest",
        Password = "guest",
        ClientProvidedName = name,
        // A lost connection fails the repetition rather than hiding in a recovery.
        AutomaticRecoveryEnabled = false,
    };

    public async Task ConnectAsync(CancellationToken ct)
    {
        _admin = await Factory("peerbench-admin").CreateConnectionAsync(ct);
        _channel = await _admin.CreateChannelAsync(cancellationToken: ct);
    }

    public Task<string> DescribeDurabilityAsync(CancellationToken ct)
    {
        var version = _admin!.ServerProperties?.TryGetValue("version", out var v) == true && v is byte[] bytes ? Encoding.UTF8.GetString(bytes) : "?";
        var disk = queueType == "quorum" ? "after a majority of the queue's replicas (here its one) fsynced it" : "once it is on disk (fsynced, in batches)";
        return Task.FromResult($"rabbitmq-server {version}: durable {queueType} queue(s) bound to a durable fanout exchange, persistent messages, " +
                               $"publisher confirms: basic.ack {disk}");
    }

    public async Task CreateAsync(int consumers, int window, CancellationToken ct)
    {
        await DeleteAsync(ct);
        await Channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = queueType };
        for (var i = 0; i < consumers; i++)
        {
            await Channel.QueueDeclareAsync(Queue(i), durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: ct);
            await Channel.QueueBindAsync(Queue(i), Exchange, routingKey: "", cancellationToken: ct);
        }
        _queues = consumers;
    }

    public async Task DeleteAsync(CancellationToken ct)
    {
        for (var i = 0; i < _queues; i++) await Channel.QueueDeleteAsync(Queue(i), ifUnused: false, ifEmpty: false, cancellationToken: ct);
        await Channel.ExchangeDeleteAsync(Exchange, ifUnused: false, cancellationToken: ct);
        _queues = 0;
    }

    public async Task<IPeerPublisher> OpenPublisherAsync(CancellationToken ct)
    {
        var connection = await Factory("peerbench-pub").CreateConnectionAsync(ct);
        // Confirms tracked by the client: each BasicPublishAsync completes on its basic.ack (and throws on a
        // nack or a return). The client's own limit is off: the harness bounds unconfirmed publishes itself,
        // the same way for every broker.
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null), ct);
        return new Publisher(connection, channel);
    }

    public async Task ConsumeAsync(int index, int window, ConsumeProgress progress, CancellationToken ct)
    {
        await using var connection = await Factory($"peerbench-sub{index}").CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: (ushort)window, global: false, ct);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            try
            {
                var complete = progress.Receive(delivery.Body.Span);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (!complete) return;
                progress.Finish();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        };
        progress.Start();
        var tag = await channel.BasicConsumeAsync(Queue(index), autoAck: false, consumer, ct);
        await using (ct.Register(() => done.TrySetCanceled(ct)))
            await done.Task;
        await channel.BasicCancelAsync(tag, cancellationToken: CancellationToken.None);
        await channel.CloseAsync(CancellationToken.None);
        await connection.CloseAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_admin is not null) await _admin.DisposeAsync();
    }

    private sealed class Publisher(IConnection connection, IChannel channel) : IPeerPublisher
    {
        public ValueTask PublishAsync(byte[] body, CancellationToken ct) =>
            channel.BasicPublishAsync(Exchange, routingKey: "", mandatory: true, basicProperties: Persistent, body: body, cancellationToken: ct);

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
