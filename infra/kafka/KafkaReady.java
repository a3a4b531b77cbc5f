// Exits 0 when the broker answers a metadata request (describeCluster + listTopics).
// Fallback for infra/kafka.sh when node/kafkajs are absent; run in source-file mode:
//   java -cp 'infra/.cache/kafka/jars/*' infra/kafka/KafkaReady.java 127.0.0.1:59092
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class KafkaReady {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args.length > 0 ? args[0] : "127.0.0.1:59092");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.RETRIES_CONFIG, "0");
    try (Admin admin = Admin.create(props)) {
      int brokers = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
      admin.listTopics().names().get(5, TimeUnit.SECONDS);
      if (brokers == 0) {
        System.err.println("kafka not ready: no brokers in metadata");
        System.exit(1);
      }
    } catch (Exception e) {
      System.err.println("kafka not ready: " + e);
      System.exit(1);
    }
  }
}
