using Akka.Configuration;

namespace ActorDispatch.Configuration;

/// <summary>
/// What <see cref="Log.WalCheckpointer"/> needs, read once from HOCON: the SQLite journal's
/// connection string and <c>actordispatch.storage.sqlite.checkpoint-interval</c>.
/// </summary>
internal sealed record WalCheckpointSettings(string ConnectionString, TimeSpan Interval)
{
    /// <summary>
    /// The settings when the journal in use is Akka.Persistence.Sql on SQLite and checkpoints are on;
    /// otherwise null (PostgreSQL, another plugin, or <c>checkpoint-interval = off</c>).
    /// </summary>
    public static WalCheckpointSettings? Create(Config config)
    {
        var full = config.WithFallback(ActorDispatchConfig.Reference);
        var plugin = full.GetString("akka.persistence.journal.plugin");
        if (string.IsNullOrEmpty(plugin) || !full.HasPath(plugin)) return null;
        var journal = full.GetConfig(plugin);
        if (!journal.GetString("provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase)) return null;

        const string path = "actordispatch.storage.sqlite.checkpoint-interval";
        var text = full.GetString(path);
        if (text is "off") return null;
        TimeSpan interval;
        try
        {
            interval = full.GetTimeSpan(path);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            interval = TimeSpan.Zero;
        }
        if (interval <= TimeSpan.Zero) throw new ArgumentException($"{path} must be a positive duration (e.g. 20ms) or off, not '{text}'");
        return new WalCheckpointSettings(journal.GetString("connection-string"), interval);
    }
}
