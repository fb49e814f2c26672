using ActorDispatch.Configuration;
using Akka.Configuration;

namespace ActorDispatch.Tests.Model;

public sealed class WalCheckpointSettingsTests
{
    private static Config Sqlite(string extra = "") =>
        ConfigurationFactory.ParseString(extra).WithFallback(StorageConfig.Sqlite(Support.TempDatabase.NewPath()));

    [Fact]
    public void A_SQLite_journal_is_checkpointed_at_the_default_interval_on_its_own_connection_string()
    {
        var config = Sqlite();
        var settings = WalCheckpointSettings.Create(config);
        Assert.NotNull(settings);
        Assert.Equal(TimeSpan.FromMilliseconds(20), settings.Interval);
        Assert.Equal(config.GetString("akka.persistence.journal.sql.connection-string"), settings.ConnectionString);
    }

    [Fact]
    public void Checkpoints_can_be_turned_off_and_a_PostgreSQL_journal_has_none()
    {
        Assert.Null(WalCheckpointSettings.Create(Sqlite("actordispatch.storage.sqlite.checkpoint-interval = off")));
        Assert.Null(WalCheckpointSettings.Create(StorageConfig.Postgres("Host=127.0.0.1;Database=none")));
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    public void An_invalid_interval_is_refused_naming_the_setting(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => WalCheckpointSettings.Create(Sqlite($"actordispatch.storage.sqlite.checkpoint-interval = {value}")));
        Assert.Contains("actordispatch.storage.sqlite.checkpoint-interval", e.Message);
        Assert.Contains(value, e.Message);
    }
}
