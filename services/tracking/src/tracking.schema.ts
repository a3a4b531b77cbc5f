export const trackingSchema = 'tracking';
