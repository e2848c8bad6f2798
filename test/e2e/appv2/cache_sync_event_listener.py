import redis
import json
import threading

class CacheSyncEventListener:
    def __init__(self, redis_client):
        self.redis = redis_client
        self.pubsub = self.redis.pubsub()
        self.running = False

    def start(self):
        """Start listening for cache sync events."""
        self.running = True

        # Subscribe to channels
        self.pubsub.subscribe(
            'tickstock:cache:sync_triggered',
            'tickstock:cache:sync_complete',
            'tickstock:universe:updated'
        )

        # Start listener thread
        thread = threading.Thread(target=self._listen)
        thread.daemon = True
        thread.start()

    def _listen(self):
        """Listen for Redis events."""
        for message in self.pubsub.listen():
            if not self.running:
                break

            if message['type'] == 'message':
                try:
                    data = json.loads(message['data'])
                    self._handle_event(data)
                except json.JSONDecodeError:
                    pass

    def _handle_event(self, event):
        """Handle cache sync events."""
        event_type = event.get('event')

        if event_type == 'cache_sync_triggered':
            # Update UI to show sync in progress
            self._update_ui_sync_started(event['payload'])

        elif event_type == 'cache_sync_completed':
            # Update UI to show sync complete
            self._update_ui_sync_completed(event['payload'])

            # Refresh cache in application
            if event['payload']['status'] == 'completed':
                self._refresh_local_cache()

        elif event_type == 'universe_updated':
            # Update specific universe in local cache
            self._update_universe_cache(event['payload']['universe'])

    def _update_ui_sync_started(self, payload):
        """Update UI when sync starts."""
        # Emit websocket event to admin dashboard
        socketio.emit('cache_sync_started', {
            'job_id': payload['job_id'],
            'mode': payload['mode']
        }, namespace='/admin')

    def _update_ui_sync_completed(self, payload):
        """Update UI when sync completes."""
        # Emit websocket event to admin dashboard
        socketio.emit('cache_sync_completed', {
            'job_id': payload['job_id'],
            'status': payload['status'],
            'duration': payload.get('duration_seconds')
        }, namespace='/admin')

    def _refresh_local_cache(self):
        """Refresh local cache from database."""
        # Trigger cache refresh in your application
        from src.data.cache_manager import cache_manager
        cache_manager.refresh_all_universes()
