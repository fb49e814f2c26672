namespace ActorDispatch.Server;

/// <summary>
/// The server's settings, read once from the <c>ActorDispatch</c> configuration section
/// (appsettings.json, environment variables <c>ActorDispatch__Storage__Sqlite</c>, command line
/// <c>--ActorDispatch:Storage:Sqlite=...</c>).
/// </summary>
internal sealed record ServerSettings(string NodeName, long MaxBodySize, string SqlitePath, string? PostgresConnectionString)
{
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
            PostgresConnectionString: section["Storage:Postgres"] is { Length: > 0 } pg ? pg : null);
    }

    /// <summary>What the status endpoint reports as storage, without credentials.</summary>
    public string StorageDescription => PostgresConnectionString is null ? $"sqlite:{Path.GetFullPath(SqlitePath)}" : "postgresql";
}
