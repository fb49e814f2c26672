using StackExchange.Redis;

namespace ActorDispatch.PeerBench.Brokers;

/// <summary>
/// Redis Streams: one stream, an XADD per event (a publish completes on its reply), and a consumer
/// group per consumer index, created at the stream's start. A consumer reads with XREADGROUP
/// COUNT W BLOCK 100, then sends an XACK for each entry (pipelined) before its next read, so at
/// most W entries are pending per group. Durability is the server's AOF policy, read back from it.
/// </summary>
internal sealed class RedisBroker(int port) : IPeerBroker
{
    private const string Key = "peerbench:events";
    private static readonly RedisValue Field = "d";

    private ConnectionMultiplexer? _admin;

    public string Name => "redis-streams";

    private IDatabase Db => (_admin ?? throw new InvalidOperationException("not connected")).GetDatabase();

    private Task<ConnectionMultiplexer> OpenAsync(string name) => ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
    {
        EndPoints = { { "127.0.0.1", port } },
        ClientName = name,
        AbortOnConnectFail = true,
        ConnectTimeout = 10_000,
        SyncTimeout = 30_000,
        AsyncTimeout = 30_000,
        Protocol = RedisProtocol.Resp2,
        // CONFIG GET and INFO, for the durability the run states.
        AllowAdmin = true,
    });

    public async Task ConnectAsync(CancellationToken ct) => _admin = await OpenAsync("peerbench-admin");

    public async Task<string> DescribeDurabilityAsync(CancellationToken ct)
    {
        var version = (await Db.ExecuteAsync("INFO", "server")).ToString().Split('\n')
            .FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Trim()["redis_version:".Length..];
        var appendOnly = await ConfigAsync("appendonly");
        var fsync = await ConfigAsync("appendfsync");
        var promise = (appendOnly, fsync) switch
        {
            ("no", _) => "no AOF: acked events live in memory only",
            (_, "always") => "XADD replies after the AOF is fsynced",
            (_, "everysec") => "XADD replies before the fsync, which runs once a second (about 1 s of acked events lost on a machine crash)",
            _ => "XADD replies before the fsync, which the OS schedules",
        };
        return $"redis-server {version}: appendonly {appendOnly}, appendfsync {fsync}; {promise}";
    }

    private async Task<string> ConfigAsync(string name)
    {
        // CONFIG GET name -> [name, value]
        var reply = (RedisResult[])(await Db.ExecuteAsync("CONFIG", "GET", name))!;
        return reply.Length == 2 ? reply[1].ToString() : "?";
    }

    public async Task CreateAsync(int consumers, int window, CancellationToken ct)
    {
        await DeleteAsync(ct);
        for (var i = 0; i < consumers; i++)
            await Db.StreamCreateConsumerGroupAsync(Key, Group(i), StreamPosition.Beginning, createStream: true);
    }

    public Task DeleteAsync(CancellationToken ct) => Db.KeyDeleteAsync(Key);

    public async Task<IPeerPublisher> OpenPublisherAsync(CancellationToken ct) => new Publisher(await OpenAsync("peerbench-pub"));

    public async Task ConsumeAsync(int index, int window, ConsumeProgress progress, CancellationToken ct)
    {
        // A multiplexer of its own: XREADGROUP BLOCK holds its connection while it waits.
        await using var connection = await OpenAsync($"peerbench-sub{index}");
        var db = connection.GetDatabase();
        var group = Group(index);
        var acks = new List<Task<long>>(window);
        progress.Start();
        while (!progress.Complete)
        {
            ct.ThrowIfCancellationRequested();
            // The client has no blocking XREADGROUP of its own; without BLOCK a caught-up consumer would poll.
            var reply = await db.ExecuteAsync("XREADGROUP", "GROUP", group, "c", "COUNT", window, "BLOCK", 100, "STREAMS", Key, ">");
            if (reply.IsNull || ((RedisResult[])reply!).Length == 0) continue;
            var entries = (RedisResult[])((RedisResult[])((RedisResult[])reply!)[0]!)[1]!;
            acks.Clear();
            foreach (var entry in entries)
            {
                var parts = (RedisResult[])entry!;
                var fields = (RedisResult[])parts[1]!;
                progress.Receive((byte[])fields[1]!);
                acks.Add(db.StreamAcknowledgeAsync(Key, group, (RedisValue)parts[0]));
            }
            foreach (var ack in acks)
            {
                if (await ack != 1) throw new InvalidOperationException("an XACK did not ack exactly one entry");
            }
        }
        progress.Finish();
    }

    private static string Group(int index) => $"g{index}";

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
    }

    private sealed class Publisher(ConnectionMultiplexer connection) : IPeerPublisher
    {
        private readonly IDatabase _db = connection.GetDatabase();

        public async ValueTask PublishAsync(byte[] body, CancellationToken ct)
        {
            if ((await _db.StreamAddAsync(Key, Field, body)).IsNull) throw new InvalidOperationException("XADD returned nil");
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
