namespace ActorDispatch.Server;

/// <summary>
/// The server's settings, read once from the <c>ActorDispatch</c> configuration section
/// (appsettings.json, environment variables <c>ActorDispatch__Storage__Sqlite</c>, command line
/// <c>--ActorDispatch:Storage:Sqlite=...</c>).
/// </summary>
/// <param name="NodeName">The node's name (<c>ActorDispatch:NodeName</c>, default the machine's).</param>
/// <param name="MaxBodySize">The largest request body, in bytes.</param>
/// <param name="SqlitePath">The SQLite file, when no PostgreSQL connection string is given.</param>
/// <param name="PostgresConnectionString">PostgreSQL instead of SQLite, when set.</param>
/// <param name="AllowedOrigins">Web origins (<c>https://ops.example.com</c>) besides the server's own that may open <c>/ws</c>.</param>
/// <param name="EgressAllow">Loopback and private ranges (comma-separated CIDRs) that webhooks may reach, or null for none.</param>
/// <param name="MaxListBytes">About how large a list of events may be, in bytes of JSON (at least one event is listed).</param>
/// <param name="Cluster">Cluster mode (<c>ActorDispatch:Cluster:*</c>), or null on a single node.</param>
/// <param name="ConfigFile">A HOCON file of engine and transport settings (<c>ActorDispatch:ConfigFile</c>), or null.</param>
/// <param name="JsonLogs">Console logs as JSON lines (<c>ActorDispatch:Logging:Json</c>).</param>
/// <param name="AmqpUri">The AMQP broker of the <c>amqp</c> transport (<c>ActorDispatch:Transports:Amqp:Uri</c>), or null to leave it to the config file.</param>
/// <param name="Mqtt">The broker and login of the <c>mqtt</c> transport (<c>ActorDispatch:Transports:Mqtt:Server</c>, <c>:Username</c>, <c>:Password</c>), or null to leave them to the config file.</param>
/// <param name="Durability">
/// <c>ActorDispatch:Storage:Durability</c> (<c>full</c> or <c>process</c>), or null to leave it to the
/// config file's <c>actordispatch.storage.durability</c> and the default, full.
/// </param>
/// <param name="MaxAppendsInFlight">Appends one append stream may have unanswered (<c>ActorDispatch:AppendStream:MaxInFlight</c>); beyond it the server stops reading the stream.</param>
internal sealed record ServerSettings(string NodeName, long MaxBodySize, string SqlitePath, string? PostgresConnectionString, IReadOnlySet<string> AllowedOrigins,
    string? EgressAllow, long MaxListBytes, ServerClusterSettings? Cluster = null, string? ConfigFile = null, bool JsonLogs = false,
    global::ActorDispatch.Configuration.StorageDurability? Durability = null,
    string? AmqpUri = null, ServerMqttSettings? Mqtt = null, int MaxAppendsInFlight = 1000)
{
    /// <summary>The broker and login of the <c>mqtt</c> transport (<c>ActorDispatch:Transports:Mqtt:*</c>); each unset part is left to the config file.</summary>
    public ServerMqttSettings Mqtt { get; init; } = Mqtt ?? new ServerMqttSettings(null, null, null);

    /// <summary>The actor system's name: every node of a cluster must have the same one, a single node is named after itself.</summary>
    public string SystemName => Cluster is null ? NodeName : "actordispatch";

    public const string Section = "ActorDispatch";

    public static ServerSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var maxBody = section.GetValue<long?>("MaxBodySize") ?? 1024 * 1024;
        if (maxBody <= 0) throw new InvalidOperationException($"{Section}:MaxBodySize must be positive, not {maxBody}");
        return new ServerSettings(
            NodeName: section["NodeName"] is { Length: > 0 } name ? name : Environment.MachineName,
            MaxBodySize: maxBody,
            SqlitePath: section["Storage:Sqlite"] is { Length: > 0 } path ? path : Hosting.ActorDispatchOptions.DefaultSqlitePath,
            PostgresConnectionString: section["Storage:Postgres"] is { Length: > 0 } pg ? pg : null,
            AllowedOrigins: (section["AllowedOrigins"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(o => o.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase),
            EgressAllow: section["Egress:Allow"] is { Length: > 0 } allow ? allow : null,
            MaxListBytes: Positive(section, "MaxListBytes", 16 * 1024 * 1024),
            Cluster: ServerClusterSettings.From(section.GetSection("Cluster")),
            ConfigFile: section["ConfigFile"] is { Length: > 0 } file ? file : null,
            JsonLogs: Flag(section, "Logging:Json"),
            Durability: section["Storage:Durability"] is { Length: > 0 } durability
                ? global::ActorDispatch.Configuration.StorageDurabilitySetting.Parse(durability, $"{Section}:Storage:Durability")
                : null,
            AmqpUri: section["Transports:Amqp:Uri"] is { Length: > 0 } amqp ? amqp : null,
            Mqtt: new ServerMqttSettings(
                section["Transports:Mqtt:Server"] is { Length: > 0 } mqtt ? mqtt : null,
                section["Transports:Mqtt:Username"] is { Length: > 0 } user ? user : null,
                section["Transports:Mqtt:Password"] is { Length: > 0 } password ? password : null),
            MaxAppendsInFlight: (int)AtMost(section, "AppendStream:MaxInFlight", Positive(section, "AppendStream:MaxInFlight", 1000), 100_000));
    }

    private static long Positive(IConfigurationSection section, string key, long fallback) =>
        section.GetValue<long?>(key) is { } value
            ? value > 0 ? value : throw new InvalidOperationException($"{Section}:{key} must be positive, not {value}")
            : fallback;

    private static long AtMost(IConfigurationSection section, string key, long value, long max) =>
        value <= max ? value : throw new InvalidOperationException($"{Section}:{key} must be at most {max}, not {value}");

    private static bool Flag(IConfigurationSection section, string key) => section[key] switch
    {
        null or "" => false,
        var s when bool.TryParse(s, out var value) => value,
        var s => throw new InvalidOperationException($"{Section}:{key} must be true or false, not '{s}'"),
    };

    /// <summary>
    /// What status and the start-up log report as storage: the kind, the SQLite file's name (not
    /// where it lives on the host), PostgreSQL's host and database (never its credentials).
    /// </summary>
    public string StorageDescription => PostgresConnectionString is null
        ? $"sqlite:{Path.GetFileName(SqlitePath)}"
        : Configuration.PostgresDescription.Of(PostgresConnectionString);
}

/// <summary>The <c>mqtt</c> transport's broker (<c>host:port</c>) and credentials from <c>ActorDispatch:Transports:Mqtt:Server</c>, <c>:Username</c>, <c>:Password</c>.</summary>
internal sealed record ServerMqttSettings(string? Server, string? Username, string? Password)
{
    // Never the password in a log or a dump of the settings.
    public override string ToString() => $"ServerMqttSettings {{ Server = {Server}, Username = {Username} }}";
}
