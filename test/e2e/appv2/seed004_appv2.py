# TickStockAppV2's code from seed 004 ("Implementation Code for TickStockAppV2"), unchanged except
# for the one change CONTRACT §2 allows: the API client sends the X-API-Key header (the seed was
# written before keys existed). Used by test/e2e/appv2-processing.test.ts.
import redis
import json
import threading
import requests

API_KEY = 'tickstock-cache-sync-2025'


class TickStockPLEventSubscriber:
    """Subscribe to TickStockPL events via Redis"""

    def __init__(self, socketio, redis_config=None):
        self.socketio = socketio
        self.redis_config = redis_config or {
            'host': 'localhost',
            'port': 6379,
            'decode_responses': True
        }
        self.redis = redis.Redis(**self.redis_config)
        self.pubsub = self.redis.pubsub()
        self.thread = None

    def start(self):
        """Start listening to TickStockPL events"""
        # Subscribe to all relevant channels
        channels = [
            'tickstock:processing:status',
            'tickstock:import:*',
            'tickstock:cache:*',
            'tickstock:indicators:*',
            'tickstock:patterns:*',
            'tickstock:errors',
            'tickstock:monitoring'
        ]

        for channel in channels:
            self.pubsub.psubscribe(channel)

        # Start listener thread
        self.thread = threading.Thread(target=self._listen)
        self.thread.daemon = True
        self.thread.start()

    def _listen(self):
        """Process incoming events"""
        for message in self.pubsub.listen():
            if message['type'] in ['message', 'pmessage']:
                try:
                    channel = message['channel']
                    event = json.loads(message['data'])
                    self._handle_event(channel, event)
                except json.JSONDecodeError:
                    pass

    def _handle_event(self, channel, event):
        """Route events to handlers"""
        event_type = event.get('event')
        payload = event.get('payload', {})

        # Route to appropriate handler
        if 'processing:status' in channel:
            self._handle_processing_status(event_type, payload)
        elif 'import:' in channel:
            self._handle_import_event(event_type, payload)
        elif 'indicators:' in channel:
            self._handle_indicator_event(event_type, payload)
        elif 'patterns:' in channel:
            self._handle_pattern_event(event_type, payload)
        elif 'errors' in channel:
            self._handle_error_event(payload)

    def _handle_processing_status(self, event_type, payload):
        """Handle overall processing status"""
        self.socketio.emit('processing_status', {
            'type': event_type,
            'run_id': payload.get('run_id'),
            'status': payload.get('status'),
            'phases': payload.get('phases')
        }, namespace='/admin')

    def _handle_import_event(self, event_type, payload):
        """Handle data import events"""
        if event_type == 'import_progress':
            self.socketio.emit('import_progress', {
                'percent': payload.get('percent_complete'),
                'current': payload.get('current_symbol'),
                'eta': payload.get('eta_seconds')
            }, namespace='/admin')
        elif event_type == 'import_completed':
            self.socketio.emit('import_complete', {
                'symbols': payload.get('successful_symbols'),
                'duration': payload.get('duration_seconds')
            }, namespace='/admin')


class TickStockPLAPIClient:
    """API client for TickStockPL commands"""

    def __init__(self, base_url='http://localhost:8080'):
        self.base_url = base_url

    def trigger_processing(self, skip_market_check=False):
        """Trigger manual processing"""
        response = requests.post(
            f'{self.base_url}/api/processing/trigger-manual',
            json={'skip_market_check': skip_market_check},
            headers={'X-API-Key': API_KEY}
        )
        return response.json()

    def get_status(self):
        """Get current processing status"""
        response = requests.get(f'{self.base_url}/api/processing/status', headers={'X-API-Key': API_KEY})
        return response.json()

    def get_history(self, days=7):
        """Get processing history"""
        response = requests.get(
            f'{self.base_url}/api/processing/history',
            params={'days': days},
            headers={'X-API-Key': API_KEY}
        )
        return response.json()

    def cancel_processing(self):
        """Cancel current processing"""
        response = requests.delete(f'{self.base_url}/api/processing/cancel', headers={'X-API-Key': API_KEY})
        return response.json()
