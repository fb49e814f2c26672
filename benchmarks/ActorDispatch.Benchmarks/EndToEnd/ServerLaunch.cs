namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// How the e2e runner starts its server processes (<see cref="ServerNodes"/>): the store, the
/// durability, the GC mode and any further environment variables or server configuration keys,
/// and how the load generator's appends reach the servers (<see cref="AppendPath"/>).
/// </summary>
/// <param name="Postgres">The PostgreSQL server where the nodes' fresh database is created, or null for a fresh SQLite file (one node only).</param>
/// <param name="Durability">The server's <c>ActorDispatch:Storage:Durability</c>, or null for its default (full).</param>
/// <param name="Gc">A <c>--server-gc</c> mode, or null for the server's own runtimeconfig (server GC, DATAS).</param>
/// <param name="Environment">Further <c>--server-env</c> variables of the server processes.</param>
/// <param name="Config">Further <c>--server-config</c> keys, passed as <c>--Key=Value</c>.</param>
/// <param name="Appends">REST over HTTP/1.1 or HTTP/2, or an append stream.</param>
internal sealed record ServerLaunch(
    string? Postgres,
    string? Durability = null,
    string? Gc = null,
    IReadOnlyList<KeyValuePair<string, string>>? Environment = null,
    IReadOnlyList<string>? Config = null,
    AppendPath Appends = AppendPath.Rest)
{
    /// <summary>The <c>--server-gc</c> values.</summary>
    public const string GcModes = "server, datas-off, workstation, conserve, workstation-conserve";

    /// <summary>The environment variables of <see cref="Gc"/> and <see cref="Environment"/> (the latter win).</summary>
    public IReadOnlyDictionary<string, string> Variables()
    {
        var variables = Gc switch
        {
            null => new Dictionary<string, string>(),
            // .NET 10's server GC runs DATAS (dynamic adaptation to application sizes) unless told not to.
            "server" => new() { ["DOTNET_gcServer"] = "1" },
            "datas-off" => new() { ["DOTNET_gcServer"] = "1", ["DOTNET_GCDynamicAdaptationMode"] = "0" },
            "workstation" => new() { ["DOTNET_gcServer"] = "0" },
            // GCConserveMemory 0-9: how hard the GC compacts to keep the heap small; 5 is a moderate setting.
            "conserve" => new() { ["DOTNET_gcServer"] = "1", ["DOTNET_GCConserveMemory"] = "5" },
            "workstation-conserve" => new() { ["DOTNET_gcServer"] = "0", ["DOTNET_GCConserveMemory"] = "5" },
            _ => throw new ArgumentException($"--server-gc takes {GcModes}, not '{Gc}'"),
        };
        foreach (var (key, value) in Environment ?? []) variables[key] = value;
        return variables;
    }

    /// <summary>The command-line arguments of <see cref="Durability"/> and <see cref="Config"/>.</summary>
    public IEnumerable<string> Arguments()
    {
        if (Durability is { } durability) yield return $"--ActorDispatch:Storage:Durability={durability}";
        foreach (var entry in Config ?? []) yield return "--" + entry;
    }

    /// <summary>What the notes and the JSON say of the GC mode.</summary>
    public string GcLabel => Gc ?? "server (runtimeconfig default, DATAS)";

    /// <summary>How appends reach the server, for the notes and the JSON.</summary>
    public string AppendLabel => Appends switch
    {
        AppendPath.Stream => "stream",
        AppendPath.RestHttp2 => "rest-http2",
        _ => "rest",
    };
}

/// <summary>How the load generator's appends reach the server.</summary>
internal enum AppendPath
{
    /// <summary>REST POSTs over HTTP/1.1 keep-alive connections.</summary>
    Rest,

    /// <summary>REST POSTs over HTTP/2 with prior knowledge (cleartext), on a second, HTTP/2-only endpoint.</summary>
    RestHttp2,

    /// <summary>Messages on one append stream (a WebSocket) per namespace.</summary>
    Stream,
}
