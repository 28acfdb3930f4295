export { WebSocketHandler } from './ws/websocket-handler.js';
