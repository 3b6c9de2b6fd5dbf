/**
 * Webhooks: subscriptions per connection, deliveries enqueued in the transaction of the release
 * change that makes them ({@link dev.hmd.notify.Notifications} is the releases' save hook), and the
 * notifier verticle that sends, signs and retries them. Depends on {@code releases},
 * {@code connections}, {@code tenancy} and the infrastructure.
 */
package dev.hmd.notify;
