using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ActorDispatch.PeerBench.Brokers;

/// <summary>
/// NATS JetStream: one file-storage stream (one replica, limits retention) and a durable pull
/// consumer per consumer index with explicit acks and at most W pending (MaxAckPending, and the
/// client's pull buffer, MaxMsgs). A publish completes on the stream's PubAck.
/// </summary>
internal sealed class NatsBroker(int port) : IPeerBroker
{
    private const string Stream = "PEERBENCH";
    private const string Subject = "peerbench.events";

    private NatsConnection? _admin;
    private NatsJSContext? _js;

    public string Name => "nats-jetstream";

    private NatsJSContext Js => _js ?? throw new InvalidOperationException("not connected");

    private NatsConnection Connect(string name) =>
        new(new NatsOpts { Url = $"nats://127.0.0.1:{port}", Name = name, RequestTimeout = TimeSpan.FromSeconds(30) });

    public async Task ConnectAsync(CancellationToken ct)
    {
        _admin = Connect("peerbench-admin");
        await _admin.ConnectAsync();
        _js = new NatsJSContext(_admin);
    }

    public async Task<string> DescribeDurabilityAsync(CancellationToken ct)
    {
        // Fails here, before any measurement, on a server without JetStream.
        await Js.GetAccountInfoAsync(ct);
        return $"nats-server {_admin!.ServerInfo?.Version}: JetStream stream with file storage, 1 replica; the PubAck follows " +
               "the write to the page cache, with no fsync per message (the file store syncs periodically)";
    }

    public async Task CreateAsync(int consumers, int window, CancellationToken ct)
    {
        await DeleteAsync(ct);
        await Js.CreateStreamAsync(new StreamConfig(Stream, [Subject])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            NumReplicas = 1,
        }, ct);
        for (var i = 0; i < consumers; i++)
        {
            await Js.CreateOrUpdateConsumerAsync(Stream, new ConsumerConfig(Durable(i))
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                MaxAckPending = window,
                // Longer than any phase: a redelivery would only measure a stall, not the broker.
                AckWait = TimeSpan.FromMinutes(10),
            }, ct);
        }
    }

    public async Task DeleteAsync(CancellationToken ct)
    {
        try
        {
            await Js.DeleteStreamAsync(Stream, ct);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            // Nothing to delete.
        }
    }

    public async Task<IPeerPublisher> OpenPublisherAsync(CancellationToken ct)
    {
        var connection = Connect("peerbench-pub");
        await connection.ConnectAsync();
        return new Publisher(connection);
    }

    public async Task ConsumeAsync(int index, int window, ConsumeProgress progress, CancellationToken ct)
    {
        await using var connection = Connect($"peerbench-sub{index}");
        await connection.ConnectAsync();
        var consumer = await new NatsJSContext(connection).GetConsumerAsync(Stream, Durable(index), ct);
        progress.Start();
        await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = window }, cancellationToken: ct))
        {
            var complete = progress.Receive(message.Data ?? throw new InvalidOperationException("a message arrived without a body"));
            await message.AckAsync(cancellationToken: ct);
            if (complete)
            {
                progress.Finish();
                return;
            }
        }
    }

    private static string Durable(int index) => $"c{index}";

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
    }

    private sealed class Publisher(NatsConnection connection) : IPeerPublisher
    {
        private readonly NatsJSContext _js = new(connection);

        public async ValueTask PublishAsync(byte[] body, CancellationToken ct)
        {
            var ack = await _js.PublishAsync(Subject, body, cancellationToken: ct);
            ack.EnsureSuccess();
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
